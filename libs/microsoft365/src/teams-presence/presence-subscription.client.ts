import { Injectable } from '@nestjs/common';
import { type Microsoft365Exception } from '../common/microsoft365.exception';
import { GraphClientProvider } from '../graph/graph-client.provider';
import { HttpTransport } from '../graph/http-transport.provider';
import { toMicrosoft365Exception } from '../graph/parse-microsoft-error';
import { type Microsoft365Cloud } from '../settings/microsoft365-cloud';

export interface CreatedSubscription {
  id: string;
  expirationDateTime: string;
}

/**
 * The three subscription calls Teams presence makes with the service account's delegated token: create, renew
 * (PATCH the expiration), delete (https://learn.microsoft.com/en-us/graph/api/subscription-post-subscriptions,
 * .../subscription-update, .../subscription-delete). The tenant's Graph client carries the app-only token, so these
 * go through the module's HTTP transport (its proxy and trusted CAs) with the delegated token instead; Graph's
 * refusals become Microsoft365Exceptions as everywhere else. Not retried here: the next tick tries again.
 */
@Injectable()
export class PresenceSubscriptionClient {
  constructor(
    private readonly transport: HttpTransport,
    private readonly graph: GraphClientProvider,
  ) {}

  create(
    cloud: Microsoft365Cloud,
    token: string,
    body: Record<string, unknown>,
  ): Promise<CreatedSubscription> {
    return this.send<CreatedSubscription>(cloud, token, 'POST', '/subscriptions', body);
  }

  renew(cloud: Microsoft365Cloud, token: string, id: string, expiration: Date): Promise<CreatedSubscription> {
    return this.send<CreatedSubscription>(cloud, token, 'PATCH', `/subscriptions/${encodeURIComponent(id)}`, {
      expirationDateTime: expiration.toISOString(),
    });
  }

  async remove(cloud: Microsoft365Cloud, token: string, id: string): Promise<void> {
    await this.send<unknown>(cloud, token, 'DELETE', `/subscriptions/${encodeURIComponent(id)}`);
  }

  private async send<T>(
    cloud: Microsoft365Cloud,
    token: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    let response: Awaited<ReturnType<HttpTransport['fetch']>>;
    try {
      // Graph v1.0, as the tenant's Graph client uses.
      response = await this.transport.fetch(`${this.graph.graphBaseUrl(cloud)}/v1.0${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw networkFailure(error);
    }
    const text = await response.text();
    if (response.ok) return (text === '' ? undefined : JSON.parse(text)) as T;
    const parsed = parseError(text);
    throw toMicrosoft365Exception({
      source: 'graph',
      status: response.status,
      code: parsed.code,
      message: parsed.message,
      requestId: response.headers.get('request-id') ?? undefined,
      clientRequestId: response.headers.get('client-request-id') ?? undefined,
      retryAfter: response.headers.get('retry-after'),
    });
  }
}

function parseError(text: string): { code?: string; message?: string } {
  try {
    const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    return {
      ...(typeof error?.code === 'string' ? { code: error.code } : {}),
      ...(typeof error?.message === 'string' ? { message: error.message } : {}),
    };
  } catch {
    // expected: a body that is not Graph's JSON error is classified by its status alone.
    return {};
  }
}

function networkFailure(error: unknown): Microsoft365Exception {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  return toMicrosoft365Exception({
    source: 'graph',
    networkCode:
      typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.name : 'UNKNOWN',
  });
}
