import { type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { Logger } from '@nestjs/common';
import { rememberGraphFailure } from './graph-call-context';
import { type TenantTokenService } from './tenant-token.service';

const INVALID_TOKEN = 'InvalidAuthenticationToken';

/** The decoded claims request of a `WWW-Authenticate: Bearer ... error="insufficient_claims", claims="..."`. */
export function parseClaimsChallenge(header: string | null): string | undefined {
  if (!header || !/error="insufficient_claims"/i.test(header)) return undefined;
  const encoded = /claims="([^"]*)"/i.exec(header)?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  try {
    JSON.parse(decoded);
    return decoded;
  } catch {
    // expected: a challenge we cannot read still means "get a new token"; Entra gets no claims then.
    return undefined;
  }
}

/**
 * First middleware of every tenant's Graph client: puts the tenant's app-only token on requests to Graph (and
 * only to Graph: a next link pointing elsewhere never gets it), and heals a refused token. A 401
 * `InvalidAuthenticationToken` (a token revoked under continuous access evaluation, with or without a claims
 * challenge) drops the tenant's cached tokens, acquires one new token and sends the request once more; only a
 * second refusal fails the call (docs/graph-notes.md §1.8).
 */
export class TenantAuthenticationMiddleware implements Middleware {
  private readonly logger = new Logger('GraphAuthentication');
  private next?: Middleware;

  constructor(
    private readonly pbxTenantId: string,
    private readonly graphHost: string,
    private readonly tokens: TenantTokenService,
  ) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const next = this.next;
    if (!next) throw new Error('TenantAuthenticationMiddleware must not be last in the chain');
    if (typeof context.request !== 'string') {
      // The SDK builds every request of ours from a URL string (see TransportHttpHandler).
      throw new TypeError('TenantAuthenticationMiddleware handles requests given as URL strings only');
    }
    const original = context.options ?? {};
    if (new URL(context.request, 'https://invalid').hostname !== this.graphHost) {
      const headers = new Headers(original.headers);
      headers.delete('authorization');
      context.options = { ...original, headers };
      return next.execute(context);
    }

    const token = await this.token(() => this.tokens.getToken(this.pbxTenantId));
    context.options = this.authorized(original, token);
    await next.execute(context);
    const response = context.response;
    if (response?.status !== 401) return;

    const claims = parseClaimsChallenge(response.headers.get('www-authenticate'));
    const code = claims !== undefined ? INVALID_TOKEN : await errorCode(response.clone());
    if (code !== INVALID_TOKEN) return;
    this.logger.warn(
      `PBX tenant ${this.pbxTenantId}: Graph refused the access token (status=401, code=${code}, ` +
        `claimsChallenge=${claims !== undefined}, requestId=${response.headers.get('request-id') ?? '-'}); ` +
        'acquiring a new one and sending the request again',
    );
    // Drain the refused answer so its connection returns to the pool.
    await response.arrayBuffer();
    const renewed = await this.token(() => this.tokens.renew(this.pbxTenantId, token, claims));
    context.response = undefined;
    context.options = this.authorized(original, renewed);
    await next.execute(context);
  }

  private async token(acquire: () => Promise<{ accessToken: string }>): Promise<string> {
    try {
      return (await acquire()).accessToken;
    } catch (error) {
      // The SDK would turn this into a bare GraphError; GraphApi reports the original.
      throw rememberGraphFailure(error);
    }
  }

  /** The caller's options with the token; the same options serve the second attempt (retry markers intact). */
  private authorized(original: RequestInit, token: string): RequestInit {
    const headers = new Headers(original.headers);
    headers.set('authorization', `Bearer ${token}`);
    return { ...original, headers };
  }
}

async function errorCode(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown } };
    return typeof body.error?.code === 'string' ? body.error.code : undefined;
  } catch {
    // expected: a 401 without a JSON body is not a refused token we know how to heal; it fails as it is.
    return undefined;
  }
}
