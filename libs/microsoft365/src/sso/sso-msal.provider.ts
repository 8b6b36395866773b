import { AuthError, ResponseMode } from '@azure/msal-node';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { type AppCredentials } from '../graph/app-credentials';
import { CLOUD_ENDPOINTS } from '../graph/microsoft365-clouds';
import { MsalClientProvider } from '../graph/msal-client.provider';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { SsoError, SsoErrorCode } from './sso-error';

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
 * User sign-in through the tenant's MSAL client from {@link MsalClientProvider}: builds the authorization URL
 * (PKCE S256, state, nonce, form_post) and redeems the code with the tenant's certificate credential. MSAL does
 * not verify the ID token's signature or claims; the caller does that with {@link IdTokenValidator}.
 */
@Injectable()
export class SsoMsalProvider {
  private readonly logger = new Logger(SsoMsalProvider.name);

  constructor(
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
    private readonly msalClients: MsalClientProvider,
  ) {}

  endpoints(credentials: Pick<AppCredentials, 'cloud' | 'directoryId'>): SsoEndpoints {
    const override = this.options.endpoints?.authorityBaseUrl?.replace(/\/+$/, '');
    const authority = this.msalClients.authorityFor(credentials);
    return {
      authority,
      // China's tokens name another host than its login host (docs/graph-notes.md §1.5); a gateway keeps
      // its own.
      issuer: `${override ?? CLOUD_ENDPOINTS[credentials.cloud].issuerBaseUrl}/${credentials.directoryId}/v2.0`,
      jwksUri: `${authority}/discovery/v2.0/keys`,
      logoutUrl: `${authority}/oauth2/v2.0/logout`,
    };
  }

  async authorizationUrl(credentials: AppCredentials, request: AuthorizationRequest): Promise<string> {
    try {
      return await this.msalClients.clientFor(credentials).getAuthCodeUrl({
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
    const client = this.msalClients.clientFor(credentials);
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
}
