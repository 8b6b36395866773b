import { type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { rememberGraphFailure } from './graph-call-context';
import { meterRequest, meterResponse } from './graph-meter';
import { parseRetryAfter } from './parse-microsoft-error';
import { describeTransportError } from './msal-network-client';
import {
  IDEMPOTENT_HEADER,
  isRepeatable,
  isRetryableStatus,
  isRetryableTransportError,
  RetryPolicy,
  type ResilienceSettings,
} from './retry.policy';

// The settings moved to the retry policy; re-exported for the callers that know them from here.
export {
  defaultResilienceSettings,
  GRAPH_RESILIENCE_SETTINGS,
  IDEMPOTENT_HEADER,
  type ResilienceSettings,
  type RetryEvent,
} from './retry.policy';

export class TransportFailure extends Error {
  constructor(
    readonly networkCode: string,
    readonly timedOut: boolean,
  ) {
    super(`Transport failure: ${networkCode}`);
    this.name = 'TransportFailure';
  }
}

/**
 * Sends every Graph request again as {@link RetryPolicy} decides: 429 and 503 for any request after Retry-After;
 * 500/502/504 and transport failures only for requests that can be repeated without effect (everything but POST,
 * or a POST marked idempotent such as a $batch of GETs), so a sendMail is never sent twice. Each attempt has its
 * own timeout. https://learn.microsoft.com/en-us/graph/throttling
 */
export class ResilienceMiddleware implements Middleware {
  private readonly policy: RetryPolicy;
  private next?: Middleware;

  constructor(private readonly settings: ResilienceSettings) {
    this.policy = new RetryPolicy(settings);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const next = this.next;
    if (!next) throw new Error('ResilienceMiddleware must not be last in the chain');
    const method = (context.options?.method ?? 'GET').toUpperCase();
    const headers = new Headers(context.options?.headers);
    const repeatable = isRepeatable(method, headers.get(IDEMPOTENT_HEADER) === 'true');
    headers.delete(IDEMPOTENT_HEADER);
    const baseOptions = { ...context.options, headers };
    const what = `Graph ${method}`;

    for (let attempt = 1; ; attempt++) {
      context.options = { ...baseOptions, signal: AbortSignal.timeout(this.settings.timeoutMs) };
      context.response = undefined;
      meterRequest();
      try {
        await next.execute(context);
      } catch (error) {
        meterResponse(null);
        const { code, timedOut } = describeTransportError(error);
        const retried = await this.policy.retry(what, {
          attempt,
          retryable: isRetryableTransportError(code, repeatable),
          transportError: code,
        });
        if (!retried) throw rememberGraphFailure(new TransportFailure(code, timedOut));
        continue;
      }
      const response = context.response as Response | undefined;
      if (!response) return;
      const status = response.status;
      meterResponse(status);
      if (!isRetryableStatus(status, repeatable)) return;
      const delayMs = this.policy.retryDelay(what, {
        attempt,
        retryable: true,
        status,
        retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after')),
        microsoftCode: await graphErrorCode(response),
        requestId: response.headers.get('request-id') ?? undefined,
      });
      if (delayMs === undefined) return;
      // Drain the body so the connection returns to the pool.
      await response.arrayBuffer().catch(() => {
        // expected: a body that cannot be read is dropped with its connection; the retry does not need it.
      });
      await this.policy.sleep(delayMs);
    }
  }
}

/** Graph's `error.code` of a failed answer, for the logs; read from a copy, so a final answer reaches the SDK whole. */
async function graphErrorCode(response: Response): Promise<string | undefined> {
  try {
    const code = ((await response.clone().json()) as { error?: { code?: unknown } } | null)?.error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    // expected: not JSON (a gateway's HTML page); the status says enough.
    return undefined;
  }
}
