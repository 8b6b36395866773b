import { AuthError } from '@azure/msal-node';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { recordTokenAcquisition } from '../metrics/microsoft365.metrics';
import {
  failedTokenRequest,
  GRAPH_RESILIENCE_SETTINGS,
  type ResilienceSettings,
  RetryPolicy,
} from './retry.policy';
import { type AppCredentials, type AppToken } from './app-credentials';
import { CLOUD_ENDPOINTS } from './microsoft365-clouds';
import { MsalClientProvider } from './msal-client.provider';
import { describeTransportError, msalCallContext } from './msal-network-client';
import { type MicrosoftFailure, toMicrosoft365Exception } from './parse-microsoft-error';
import { decodeJwt } from 'jose';

/** MSAL's error when the authority's OpenID metadata could not be loaded. */
const ENDPOINTS_RESOLUTION_ERROR = 'endpoints_resolution_error';

/**
 * Declares that the module handles claims challenges (`cp1`), so that Graph re-evaluates its tokens under
 * continuous access evaluation and answers a revoked one with a challenge instead of honouring it for an hour
 * (docs/graph-notes.md §1.8). Sent as client claims, which MSAL keeps in its cache key, so tokens stay cached.
 */
const CAE_CAPABLE = JSON.stringify({ access_token: { xms_cc: { values: ['cp1'] } } });

export interface AcquireOptions {
  /** A new token from Entra even when MSAL holds a valid one. */
  skipCache?: boolean;
  /** The claims request of a Graph claims challenge; MSAL then bypasses its cache. */
  claims?: string;
}

/**
 * App-only tokens, through the tenant's MSAL client from {@link MsalClientProvider}, which keeps it so that MSAL's
 * token cache works: tokens are reused until five minutes before expiry, never minted per call.
 */
@Injectable()
export class AppTokenProvider {
  private readonly logger = new Logger(AppTokenProvider.name);
  private readonly retries: RetryPolicy;

  constructor(
    private readonly msalClients: MsalClientProvider,
    @Inject(GRAPH_RESILIENCE_SETTINGS) resilience: ResilienceSettings,
  ) {
    this.retries = new RetryPolicy(resilience);
  }

  /**
   * A token from MSAL's cache, or from Entra. Entra's 429 and 5xx answers (and unreachable endpoints) are retried
   * after its Retry-After, as Graph's are; refusals (wrong key, wrong tenant) are not ({@link RetryPolicy}).
   */
  async acquire(credentials: AppCredentials, options: AcquireOptions = {}): Promise<AppToken> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.acquireOnce(credentials, options);
      } catch (error) {
        if (!(await this.retries.retry('token request', failedTokenRequest(error, attempt)))) throw error;
      }
    }
  }

  private async acquireOnce(credentials: AppCredentials, options: AcquireOptions): Promise<AppToken> {
    const client = this.msalClients.clientFor(credentials);
    const context: { lastFailure?: MicrosoftFailure } = {};
    try {
      const result = await msalCallContext.run(context, () =>
        client.acquireTokenByClientCredential({
          scopes: [CLOUD_ENDPOINTS[credentials.cloud].graphScope],
          skipCache: options.skipCache ?? false,
          claimsFromClient: CAE_CAPABLE,
          ...(options.claims ? { claims: options.claims } : {}),
        }),
      );
      if (!result?.accessToken) {
        throw new Error('MSAL returned no access token');
      }
      recordTokenAcquisition('success', result.fromCache);
      const claims = decodeJwt(result.accessToken);
      const roles = Array.isArray(claims.roles)
        ? claims.roles.filter((r): r is string => typeof r === 'string')
        : [];
      return { accessToken: result.accessToken, expiresOn: result.expiresOn ?? new Date(), roles };
    } catch (error) {
      const exception = AppTokenProvider.toException(error, context.lastFailure);
      recordTokenAcquisition('failure', false);
      this.logger.warn(
        `Token request for PBX tenant ${credentials.pbxTenantId} failed: ${exception.code} ` +
          `(AADSTS${exception.microsoft?.aadsts ?? '-'}, microsoftCode=${exception.microsoft?.code ?? '-'}, ` +
          `correlationId=${exception.microsoft?.requestId ?? '-'})`,
      );
      throw exception;
    }
  }

  /** Forgets the tenant's MSAL clients (and so their tokens), for sign-in too, after its settings or keys changed. */
  evict(pbxTenantId: string): void {
    this.msalClients.evict(pbxTenantId);
  }

  /**
   * @param discoveryFailure the failed answer behind an `endpoints_resolution_error`, which MSAL throws without
   * the reason when the authority's OpenID metadata cannot be loaded.
   */
  static toException(error: unknown, discoveryFailure?: MicrosoftFailure): Microsoft365Exception {
    if (error instanceof Microsoft365Exception) return error;
    // MSAL reports a throttled or failing Entra without the Retry-After: the recorded answer has it.
    const transient =
      discoveryFailure?.status !== undefined &&
      (discoveryFailure.status === 429 || discoveryFailure.status >= 500);
    if (
      error instanceof AuthError &&
      discoveryFailure &&
      (error.errorCode === ENDPOINTS_RESOLUTION_ERROR || transient)
    ) {
      return toMicrosoft365Exception({
        ...discoveryFailure,
        requestId: discoveryFailure.requestId ?? error.correlationId,
      });
    }
    if (error instanceof AuthError) {
      const transport = /^Transport failure: (.+)$/.exec(error.errorMessage);
      if (transport?.[1]) {
        return toMicrosoft365Exception({
          source: 'token',
          networkCode: transport[1],
          timedOut: error.errorCode === 'request_timeout',
        });
      }
      const status = (error as AuthError & { status?: number }).status;
      return toMicrosoft365Exception({
        source: 'token',
        status,
        code: error.errorCode,
        message: error.errorMessage,
        requestId: error.correlationId || undefined,
      });
    }
    const { code, timedOut } = describeTransportError(error);
    return toMicrosoft365Exception({ source: 'token', networkCode: code, timedOut });
  }
}
