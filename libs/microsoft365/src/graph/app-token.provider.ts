import { AuthError, ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Microsoft365ErrorCode } from '@pbx/microsoft365/common/microsoft365-error-code';
import { Microsoft365Exception } from '@pbx/microsoft365/common/microsoft365.exception';
import { meterRetry } from '@pbx/microsoft365/graph/graph-meter';
import {
  GRAPH_RESILIENCE_SETTINGS,
  type ResilienceSettings,
} from '@pbx/microsoft365/graph/resilience.middleware';
import { type AppCredentials, type AppToken } from '@pbx/microsoft365/graph/app-credentials';
import { HttpTransport } from '@pbx/microsoft365/graph/http-transport.provider';
import { CLOUD_ENDPOINTS } from '@pbx/microsoft365/graph/microsoft365-clouds';
import {
  MsalNetworkClient,
  describeTransportError,
  msalCallContext,
} from '@pbx/microsoft365/graph/msal-network-client';
import {
  type MicrosoftFailure,
  toMicrosoft365Exception,
} from '@pbx/microsoft365/graph/parse-microsoft-error';
import { MICROSOFT365_OPTIONS } from '@pbx/microsoft365/microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '@pbx/microsoft365/microsoft365-module-options';
import { decodeJwt } from 'jose';

/** MSAL's error when the authority's OpenID metadata could not be loaded. */
const ENDPOINTS_RESOLUTION_ERROR = 'endpoints_resolution_error';

/**
 * The only owner of MSAL for app-only tokens. One ConfidentialClientApplication per tenant and key pair, kept
 * so that MSAL's token cache works: tokens are reused until five minutes before expiry, never minted per call.
 */
@Injectable()
export class AppTokenProvider {
  private readonly logger = new Logger(AppTokenProvider.name);
  private readonly clients = new Map<string, ConfidentialClientApplication>();
  private readonly networkClient: MsalNetworkClient;

  constructor(
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
    transport: HttpTransport,
    @Inject(GRAPH_RESILIENCE_SETTINGS) private readonly resilience: ResilienceSettings,
  ) {
    this.networkClient = new MsalNetworkClient(transport);
  }

  authorityFor(credentials: Pick<AppCredentials, 'cloud' | 'directoryId'>): string {
    const base = this.options.endpoints?.authorityBaseUrl ?? CLOUD_ENDPOINTS[credentials.cloud].loginBaseUrl;
    return `${base.replace(/\/$/, '')}/${credentials.directoryId}`;
  }

  /**
   * A token from MSAL's cache, or from Entra. Entra's 429 and 5xx answers (and unreachable endpoints) are retried
   * after its Retry-After, as Graph's are; refusals (wrong key, wrong tenant) are not.
   */
  async acquire(credentials: AppCredentials, options: { skipCache?: boolean } = {}): Promise<AppToken> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.acquireOnce(credentials, options);
      } catch (error) {
        const retryable =
          error instanceof Microsoft365Exception &&
          (error.code === Microsoft365ErrorCode.Throttled ||
            error.code === Microsoft365ErrorCode.Unavailable);
        if (!retryable || attempt >= this.resilience.maxAttempts) throw error;
        const retryAfter = error.microsoft?.retryAfterSeconds;
        const delayMs = Math.min(
          retryAfter !== undefined ? retryAfter * 1000 : this.resilience.baseDelayMs * 2 ** (attempt - 1),
          this.resilience.maxDelayMs,
        );
        meterRetry(delayMs, error.code === Microsoft365ErrorCode.Throttled);
        await this.resilience.sleep(delayMs);
      }
    }
  }

  private async acquireOnce(
    credentials: AppCredentials,
    options: { skipCache?: boolean },
  ): Promise<AppToken> {
    const client = this.clientFor(credentials);
    const context: { lastFailure?: MicrosoftFailure } = {};
    try {
      const result = await msalCallContext.run(context, () =>
        client.acquireTokenByClientCredential({
          scopes: [CLOUD_ENDPOINTS[credentials.cloud].graphScope],
          skipCache: options.skipCache ?? false,
        }),
      );
      if (!result?.accessToken) {
        throw new Error('MSAL returned no access token');
      }
      const claims = decodeJwt(result.accessToken);
      const roles = Array.isArray(claims.roles)
        ? claims.roles.filter((r): r is string => typeof r === 'string')
        : [];
      return { accessToken: result.accessToken, expiresOn: result.expiresOn ?? new Date(), roles };
    } catch (error) {
      const exception = AppTokenProvider.toException(error, context.lastFailure);
      this.logger.warn(
        `Token request for PBX tenant ${credentials.pbxTenantId} failed: ${exception.code} ` +
          `(AADSTS${exception.microsoft?.aadsts ?? '-'}, microsoftCode=${exception.microsoft?.code ?? '-'}, ` +
          `correlationId=${exception.microsoft?.requestId ?? '-'})`,
      );
      throw exception;
    }
  }

  /** Forgets cached clients (and so their tokens) of a tenant, after its settings or keys changed. */
  evict(pbxTenantId: string): void {
    for (const key of [...this.clients.keys()]) {
      if (key.startsWith(`${pbxTenantId}|`)) this.clients.delete(key);
    }
  }

  private clientFor(credentials: AppCredentials): ConfidentialClientApplication {
    const key = [
      credentials.pbxTenantId,
      credentials.keyPairId,
      credentials.applicationId,
      credentials.directoryId,
      credentials.cloud,
    ].join('|');
    let client = this.clients.get(key);
    if (!client) {
      const authority = this.authorityFor(credentials);
      const overridden = this.options.endpoints?.authorityBaseUrl !== undefined;
      client = new ConfidentialClientApplication({
        auth: {
          clientId: credentials.applicationId,
          authority,
          // A non-Microsoft host (emulator, gateway) must be declared, or MSAL asks Microsoft's instance
          // discovery about it; listing it also satisfies MSAL's issuer check (graph-facts §1.5).
          knownAuthorities: overridden ? [new URL(authority).host] : [],
          clientCertificate: {
            thumbprintSha256: credentials.thumbprintSha256,
            privateKey: credentials.privateKeyPem,
            // The public certificate in the assertion's `x5c` header: what Subject Name + Issuer
            // authentication needs. Opt-in; thumbprint-only assertions are the default and what Entra expects of
            // an uploaded certificate.
            ...(this.options.sendCertificateChain && credentials.certificatePem
              ? { x5c: credentials.certificatePem }
              : {}),
          },
        },
        system: {
          networkClient: this.networkClient,
          loggerOptions: {
            // MSAL's own logs may contain PII and request details; only warnings, never PII.
            logLevel: LogLevel.Warning,
            piiLoggingEnabled: false,
            loggerCallback: (_level, message) => this.logger.debug(message),
          },
        },
      });
      this.clients.set(key, client);
    }
    return client;
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
