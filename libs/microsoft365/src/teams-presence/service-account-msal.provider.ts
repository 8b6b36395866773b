import { AuthError, ResponseMode } from '@azure/msal-node';
import { Injectable, Logger } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { type AppCredentials } from '../graph/app-credentials';
import { MsalClientProvider } from '../graph/msal-client.provider';

/**
 * Delegated scopes of the service account: `Presence.Read.All` is what presence subscriptions need (and all they
 * take), `offline_access` yields the refresh token (docs/graph-notes.md §14). MSAL adds openid and profile.
 */
export const SERVICE_ACCOUNT_SCOPES = ['Presence.Read.All', 'offline_access'];

export interface SignedInServiceAccount {
  upn: string;
  objectId: string;
  /** MSAL's serialized token cache: the caller seals it; never logged. */
  cache: string;
}

export interface DelegatedToken {
  accessToken: string;
  /** The cache after the call, when MSAL changed it (a refreshed token): to be sealed again. */
  cache: string | null;
}

/**
 * Teams presence's service account through MSAL (authorization code with PKCE, then silent refreshes from its
 * own token cache), on an isolated client of the tenant's confidential client (its certificate). Entra's refusals
 * become Microsoft365Exceptions with the AADSTS number and what the admin should do; MSAL's messages, which can
 * echo request parameters, are never logged.
 */
@Injectable()
export class ServiceAccountMsalProvider {
  private readonly logger = new Logger(ServiceAccountMsalProvider.name);

  constructor(private readonly msalClients: MsalClientProvider) {}

  async authorizationUrl(
    credentials: AppCredentials,
    request: { redirectUri: string; state: string; codeChallenge: string },
  ): Promise<string> {
    try {
      return await this.msalClients.isolatedClientFor(credentials).getAuthCodeUrl({
        scopes: SERVICE_ACCOUNT_SCOPES,
        redirectUri: request.redirectUri,
        state: request.state,
        codeChallenge: request.codeChallenge,
        codeChallengeMethod: 'S256',
        responseMode: ResponseMode.FORM_POST,
        // Whoever is signed in to Microsoft in the admin's browser is not necessarily the service account.
        prompt: 'select_account',
      });
    } catch (error) {
      throw this.toException(credentials, error);
    }
  }

  async redeemCode(
    credentials: AppCredentials,
    request: { code: string; redirectUri: string; codeVerifier: string },
  ): Promise<SignedInServiceAccount> {
    const client = this.msalClients.isolatedClientFor(credentials);
    try {
      const result = await client.acquireTokenByCode({
        scopes: SERVICE_ACCOUNT_SCOPES,
        code: request.code,
        redirectUri: request.redirectUri,
        codeVerifier: request.codeVerifier,
      });
      if (!result.account) {
        throw new Microsoft365Exception(Microsoft365ErrorCode.AuthenticationFailed, 'Entra named no account');
      }
      return {
        upn: result.account.username,
        objectId: result.account.localAccountId,
        cache: client.getTokenCache().serialize(),
      };
    } catch (error) {
      throw this.toException(credentials, error);
    }
  }

  /**
   * An access token for Graph from the stored cache: the cached one, or a new one through the refresh token;
   * `forceRefresh` always redeems the refresh token, which is how a revoked account is noticed.
   */
  async accessToken(
    credentials: AppCredentials,
    cache: string,
    forceRefresh = false,
  ): Promise<DelegatedToken> {
    const client = this.msalClients.isolatedClientFor(credentials);
    const tokenCache = client.getTokenCache();
    try {
      tokenCache.deserialize(cache);
      const [account] = await tokenCache.getAllAccounts();
      if (!account) {
        throw new Microsoft365Exception(
          Microsoft365ErrorCode.AuthenticationFailed,
          'The stored service account has no account in its token cache',
          { action: 'Sign the Teams presence service account in again.' },
        );
      }
      const result = await client.acquireTokenSilent({
        account,
        scopes: SERVICE_ACCOUNT_SCOPES,
        forceRefresh,
      });
      return {
        accessToken: result.accessToken,
        cache: tokenCache.hasChanged() ? tokenCache.serialize() : null,
      };
    } catch (error) {
      throw this.toException(credentials, error);
    }
  }

  /**
   * `invalid_grant` with AADSTS50173 (sessions revoked, password changed), 700082 (unused for 90 days), 50076/50079
   * (MFA now required) or 50057 (account disabled) all mean the same for the admin: sign the account in again
   * (https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes).
   */
  private toException(credentials: AppCredentials, error: unknown): Microsoft365Exception {
    if (error instanceof Microsoft365Exception) return error;
    if (error instanceof AuthError) {
      const aadsts = Number(/AADSTS(\d+)/.exec(error.errorMessage)?.[1]) || undefined;
      const code = error.errorCode || 'unknown';
      this.logger.warn(
        `Teams presence service account of PBX tenant ${credentials.pbxTenantId}: Entra refused ` +
          `(${code}${aadsts ? `, AADSTS${aadsts}` : ''})`,
      );
      const network = /network|timeout|endpoints_resolution/i.test(code);
      return new Microsoft365Exception(
        network ? Microsoft365ErrorCode.Unavailable : Microsoft365ErrorCode.AuthenticationFailed,
        network
          ? 'Could not reach Entra ID for the Teams presence service account'
          : `Entra ID no longer issues tokens to the Teams presence service account (${aadsts ? `AADSTS${aadsts}` : code})`,
        {
          action: network
            ? 'Nothing to do if it passes; Teams presence polls meanwhile.'
            : 'Sign the service account in again in the Teams presence settings (its sessions were revoked, its ' +
              'password changed, it now needs MFA, or it was disabled). Teams presence polls until then.',
          microsoft: { code, ...(aadsts ? { aadsts } : {}) },
        },
      );
    }
    this.logger.warn(
      `Teams presence service account of PBX tenant ${credentials.pbxTenantId}: ` +
        `${error instanceof Error ? error.name : 'unknown failure'}`,
    );
    return new Microsoft365Exception(
      Microsoft365ErrorCode.Unavailable,
      'The Teams presence service account could not get a token',
      { cause: error },
    );
  }
}
