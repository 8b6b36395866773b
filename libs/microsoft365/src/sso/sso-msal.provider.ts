import { AuthError, ConfidentialClientApplication, LogLevel, ResponseMode } from '@azure/msal-node';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { type AppCredentials } from '@pbx/microsoft365/graph/app-credentials';
import { HttpTransport } from '@pbx/microsoft365/graph/http-transport.provider';
import { CLOUD_ENDPOINTS } from '@pbx/microsoft365/graph/microsoft365-clouds';
import { MsalNetworkClient } from '@pbx/microsoft365/graph/msal-network-client';
import { MICROSOFT365_OPTIONS } from '@pbx/microsoft365/microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '@pbx/microsoft365/microsoft365-module-options';
import { SsoError, SsoErrorCode } from '@pbx/microsoft365/sso/sso-error';

/** OpenID scopes only: sign-in needs no Graph permission, so no admin consent beyond "Sign in". */
const SIGN_IN_SCOPES = ['openid', 'profile', 'email'];

export interface AuthorizationRequest {
  redirectUri: string;
  state: string;
  nonce: string;
  codeChallenge: string;
  loginHint?: string;
  domainHint?: string;
}

/** Entra's endpoints for one tenant in its cloud (or behind the configured gateway/emulator). */
export interface SsoEndpoints {
  authority: string;
  issuer: string;
  jwksUri: string;
  logoutUrl: string;
}

/**
 * The only owner of MSAL for user sign-in: builds the authorization URL (PKCE S256, state, nonce, form_post) and
 * redeems the code with the tenant's certificate credential. MSAL does not verify the ID token's signature or
 * claims; the caller does that with {@link IdTokenValidator}.
 */
@Injectable()
export class SsoMsalProvider {
  private readonly logger = new Logger(SsoMsalProvider.name);
  private readonly clients = new Map<string, ConfidentialClientApplication>();
  private readonly networkClient: MsalNetworkClient;

  constructor(
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
    transport: HttpTransport,
  ) {
    this.networkClient = new MsalNetworkClient(transport);
  }

  endpoints(credentials: Pick<AppCredentials, 'cloud' | 'directoryId'>): SsoEndpoints {
    const cloud = CLOUD_ENDPOINTS[credentials.cloud];
    const override = this.options.endpoints?.authorityBaseUrl?.replace(/\/+$/, '');
    const authority = `${override ?? cloud.loginBaseUrl}/${credentials.directoryId}`;
    return {
      authority,
      // China's tokens name another host than its login host (graph-facts §1.5); a gateway keeps its own.
      issuer: `${override ?? cloud.issuerBaseUrl}/${credentials.directoryId}/v2.0`,
      jwksUri: `${authority}/discovery/v2.0/keys`,
      logoutUrl: `${authority}/oauth2/v2.0/logout`,
    };
  }

  async authorizationUrl(credentials: AppCredentials, request: AuthorizationRequest): Promise<string> {
    try {
      return await this.clientFor(credentials).getAuthCodeUrl({
        scopes: SIGN_IN_SCOPES,
        redirectUri: request.redirectUri,
        state: request.state,
        nonce: request.nonce,
        codeChallenge: request.codeChallenge,
        codeChallengeMethod: 'S256',
        responseMode: ResponseMode.FORM_POST,
        ...(request.loginHint ? { loginHint: request.loginHint } : {}),
        ...(request.domainHint ? { domainHint: request.domainHint } : {}),
      });
    } catch (error) {
      throw this.toSsoError(credentials, error);
    }
  }

  /** Redeems the code; answers the raw ID token, for validation. Keeps nothing of the user in MSAL's cache. */
  async redeemCode(
    credentials: AppCredentials,
    request: { code: string; redirectUri: string; codeVerifier: string; nonce: string },
  ): Promise<string> {
    const client = this.clientFor(credentials);
    try {
      const result = await client.acquireTokenByCode({
        scopes: SIGN_IN_SCOPES,
        code: request.code,
        redirectUri: request.redirectUri,
        codeVerifier: request.codeVerifier,
        // MSAL 7 compares the ID token's nonce itself and refuses any token when none is given.
        nonce: request.nonce,
      });
      if (result.account) await client.getTokenCache().removeAccount(result.account);
      if (!result.idToken)
        throw new SsoError(SsoErrorCode.SignInFailed, 'Entra answered without an ID token');
      return result.idToken;
    } catch (error) {
      throw this.toSsoError(credentials, error);
    }
  }

  /** Forgets a tenant's clients after its settings or keys changed. */
  evict(pbxTenantId: string): void {
    for (const key of [...this.clients.keys()]) {
      if (key.startsWith(`${pbxTenantId}|`)) this.clients.delete(key);
    }
  }

  private toSsoError(credentials: AppCredentials, error: unknown): SsoError {
    if (error instanceof SsoError) return error;
    if (error instanceof AuthError) {
      // Only the error code and AADSTS number are logged: MSAL's messages can echo request parameters.
      const aadsts = /AADSTS(\d+)/.exec(error.errorMessage)?.[1];
      const detail = `Entra refused (${error.errorCode}${aadsts ? `, AADSTS${aadsts}` : ''}) for PBX tenant ${credentials.pbxTenantId}`;
      this.logger.warn(detail);
      if (error.errorCode === 'nonce_mismatch') return new SsoError(SsoErrorCode.InvalidToken, detail);
      if (aadsts === '65001' || error.errorCode === 'consent_required') {
        return new SsoError(SsoErrorCode.ConsentMissing, detail);
      }
      if (/network|timeout|endpoints_resolution/i.test(error.errorCode)) {
        return new SsoError(SsoErrorCode.Unavailable, detail);
      }
      return new SsoError(SsoErrorCode.SignInFailed, detail);
    }
    const detail = `Sign-in with Entra failed for PBX tenant ${credentials.pbxTenantId}: ${error instanceof Error ? error.name : 'unknown'}`;
    this.logger.warn(detail);
    return new SsoError(SsoErrorCode.Unavailable, detail);
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
      const { authority } = this.endpoints(credentials);
      const overridden = this.options.endpoints?.authorityBaseUrl !== undefined;
      client = new ConfidentialClientApplication({
        auth: {
          clientId: credentials.applicationId,
          authority,
          // As for app tokens: a non-Microsoft host (emulator, gateway) must be declared (graph-facts §1.5).
          knownAuthorities: overridden ? [new URL(authority).host] : [],
          clientCertificate: {
            thumbprintSha256: credentials.thumbprintSha256,
            privateKey: credentials.privateKeyPem,
          },
        },
        system: {
          networkClient: this.networkClient,
          loggerOptions: {
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
}
