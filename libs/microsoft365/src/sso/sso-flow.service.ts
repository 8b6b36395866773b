import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { PBX_SESSIONS, type PbxSession, type PbxSessionsPort } from '../ports/pbx-sessions.port';
import { SYSTEM_SCOPE } from '../settings/tenant-settings.entity';
import { type MicrosoftIdentity } from './id-token-claims';
import { IdTokenValidator } from './id-token.validator';
import { MicrosoftAccountResolver } from './microsoft-account.resolver';
import { PKCE_CHALLENGE_PATTERN, s256 } from './pkce';
import { decideSignIn, type SignInRole, type SsoClient } from './sign-in-rules';
import { entraCallbackError, SsoError, SsoErrorCode } from './sso-error';
import { SsoMsalProvider } from './sso-msal.provider';
import { SsoConfigurationCache } from './sso-configuration.cache';
import { SsoScopeResolver } from './sso-scope.resolver';
import { type SsoSettingsEntity } from './sso-settings.entity';
import { SsoSettingsService, ssoBasePath, ssoPortalUrl } from './sso-settings.service';
import { type CodeProof, SsoTransactionStore } from './sso-transaction.store';

/** Entra and the PBX may disagree on the time by this much. */
const CLOCK_SKEW_SECONDS = 120;
/** An ID token is redeemed right after it is issued; an old one is refused. */
const ID_TOKEN_MAX_AGE_SECONDS = 10 * 60;
/**
 * Sign-ins of one tenant waiting for Microsoft's answer (each a row, for ten minutes): far above a morning rush,
 * low enough that anonymous login requests cannot fill the table.
 */
const DEFAULT_MAX_PENDING_SIGN_INS = 1000;

export interface LoginRequest {
  tenant?: string;
  sipDomain?: string;
  scope?: string;
  client?: string;
  redirectUri?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  loginHint?: string;
  browserKey: string;
  /** Origin the browser used (scheme://host), to pick the matching registered callback URI (PBX or SBC). */
  origin?: string;
}

export interface CallbackRequest {
  state?: string;
  code?: string;
  error?: string;
  errorDescription?: string;
  browserKey?: string;
}

/** A completed, allowed "Sign in with Microsoft": what `AuthGuard('microsoft365')` puts on `request.user`. */
export interface Microsoft365SignIn {
  /** A PBX tenant id, or `system`. */
  scope: string;
  client: SsoClient;
  userId: string;
  role: SignInRole;
  identity: MicrosoftIdentity;
  transactionId: string;
  appRedirectUri: string | null;
}

/** The session a one-time code was exchanged for, with the scope and the role it was decided for just now. */
export type ExchangedSession = PbxSession & { scope: string; role: SignInRole };

/**
 * "Sign in with Microsoft", web and app: start (redirect to the tenant's authority), complete (state, code, ID
 * token, account, rules) and finish (host session, or a one-time code for the app).
 */
@Injectable()
export class SsoFlowService {
  private readonly logger = new Logger(SsoFlowService.name);
  /**
   * The secret of each completed sign-in's one-time code, until {@link codeRedirect} seals the grant to it. Kept
   * here rather than on the sign-in, which passport puts on `request.user` where a host's code may log it.
   */
  private readonly codeSecrets = new WeakMap<Microsoft365SignIn, string>();

  constructor(
    private readonly scopes: SsoScopeResolver,
    private readonly configurations: SsoConfigurationCache,
    private readonly msal: SsoMsalProvider,
    private readonly validator: IdTokenValidator,
    private readonly transactions: SsoTransactionStore,
    private readonly accounts: MicrosoftAccountResolver,
    @Inject(PBX_SESSIONS) private readonly sessions: PbxSessionsPort,
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** For login pages: show the Microsoft button? Never throws; an unknown domain is simply "no". */
  async discover(sipDomain: string | undefined): Promise<{ enabled: boolean; loginUrl: string | null }> {
    try {
      const scope = await this.scopes.resolveScope({ sipDomain });
      const { configuration } = await this.scopes.enabledRules(scope);
      // Whether a key pair exists, without decrypting it: anybody may ask this.
      if (!configuration.activeKeyPair) throw new SsoError(SsoErrorCode.NotConfigured, scope);
      const base = `${this.options.publicUrl.replace(/\/+$/, '')}${this.basePath()}`;
      return { enabled: true, loginUrl: `${base}/login?tenant=${scope}` };
    } catch (error) {
      // "No" is the answer for an unknown domain or sign-in switched off; anything else is worth a line.
      if (!(error instanceof SsoError)) {
        this.logger.warn(
          `Sign-in discovery failed: ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown'}`,
        );
      }
      return { enabled: false, loginUrl: null };
    }
  }

  /**
   * Starts a sign-in; answers Entra's authorization URL to redirect the browser to. Nothing is redirected to an
   * app before its request is valid: an error here is a page, never a redirect to a URI the request named.
   */
  async start(request: LoginRequest): Promise<string> {
    const client = request.client ?? 'web';
    if (client !== 'web' && client !== 'app') {
      throw new SsoError(SsoErrorCode.InvalidRequest, `unknown client ${client}`);
    }
    const scope = await this.scopes.resolveScope(request);
    const { configuration, rules } = await this.scopes.enabledRules(scope);
    let app: { appRedirectUri: string; appCodeChallenge: string } | undefined;
    if (client === 'app') {
      if (!request.redirectUri || !SsoSettingsService.allowsAppRedirect(rules, request.redirectUri)) {
        throw new SsoError(SsoErrorCode.RedirectUriNotRegistered, 'app redirect URI not registered');
      }
      if (
        request.codeChallengeMethod !== 'S256' ||
        !request.codeChallenge ||
        !PKCE_CHALLENGE_PATTERN.test(request.codeChallenge)
      ) {
        throw new SsoError(SsoErrorCode.InvalidRequest, 'app sign-in needs an S256 code_challenge');
      }
      app = { appRedirectUri: request.redirectUri, appCodeChallenge: request.codeChallenge };
    }
    // Before the private key is decrypted and a row written: a flood of anonymous logins stops here.
    const maxPending = this.options.sso?.maxPendingSignIns ?? DEFAULT_MAX_PENDING_SIGN_INS;
    if ((await this.transactions.pending(scope)) >= maxPending) {
      throw new SsoError(SsoErrorCode.TooManySignIns, `${maxPending} sign-ins pending for ${scope}`);
    }
    const { credentials } = await this.scopes.credentials(configuration);
    const redirectUri = this.scopes.callbackUri(configuration.settings, request.origin);
    const started = await this.transactions.start({
      scope,
      client,
      browserKey: request.browserKey,
      redirectUri,
      ...app,
    });
    return this.msal.authorizationUrl(credentials, {
      redirectUri,
      state: started.state,
      nonce: started.nonce,
      codeChallenge: s256(started.codeVerifier),
      ...(request.loginHint ? { loginHint: request.loginHint.slice(0, 256) } : {}),
      ...(rules.domainHint ? { domainHint: rules.domainHint } : {}),
    });
  }

  /** The callback: every check, in order; answers the PBX account to sign in, or throws an SsoError. */
  async complete(request: CallbackRequest): Promise<Microsoft365SignIn> {
    const transaction = await this.transactions.consume(request.state, request.browserKey);
    const appRedirect = transaction.appRedirectUri ?? undefined;
    try {
      if (request.error) throw entraCallbackError(request.error, request.errorDescription);
      if (!request.code) throw new SsoError(SsoErrorCode.SignInFailed, 'callback without code');
      const { credentials, rules } = await this.scopes.credentials(
        (await this.scopes.enabledRules(transaction.scope)).configuration,
      );
      const idToken = await this.msal.redeemCode(credentials, {
        code: request.code,
        redirectUri: transaction.redirectUri,
        codeVerifier: transaction.codeVerifier,
        nonce: transaction.nonce,
      });
      const endpoints = this.msal.endpoints(credentials);
      const identity = await this.validator.validate(idToken, endpoints.jwksUri, {
        issuer: endpoints.issuer,
        audience: credentials.applicationId,
        directoryId: credentials.directoryId,
        nonce: transaction.nonce,
        now: this.clock.now(),
        skewSeconds: CLOCK_SKEW_SECONDS,
        maxAgeSeconds: ID_TOKEN_MAX_AGE_SECONDS,
      });
      const account = await this.accounts.resolve(transaction.scope, identity, rules);
      this.assertAllowed(rules, account, transaction.client, identity.objectId);
      const signIn: Microsoft365SignIn = {
        scope: transaction.scope,
        client: transaction.client,
        userId: account.userId,
        role: account.role,
        identity,
        transactionId: transaction.id,
        appRedirectUri: transaction.appRedirectUri,
      };
      this.codeSecrets.set(signIn, transaction.codeSecret);
      return signIn;
    } catch (error) {
      if (error instanceof SsoError) {
        this.logger.log(
          `Sign-in refused for scope ${transaction.scope}: ${error.code} (${error.detail ?? '-'})`,
        );
        throw error.withAppRedirect(appRedirect);
      }
      throw error;
    }
  }

  /**
   * Where the browser goes after a successful callback, with a one-time code (two minutes, once): the app's
   * registered redirect URI (`?code=`, redeemed with its PKCE verifier), or the portal (`#sso_code=`, redeemed
   * from this browser). No session travels in a URL, where history, logs and the page's scripts could read it.
   * No statement: the callback's first one stored the code's hash (sso-transaction.store.ts).
   */
  codeRedirect(signIn: Microsoft365SignIn): string {
    const secret = this.codeSecrets.get(signIn);
    // Once per sign-in: a second code for the same callback would be a second grant.
    this.codeSecrets.delete(signIn);
    if (!secret) throw new SsoError(SsoErrorCode.InvalidRequest, 'no one-time code for this sign-in');
    const code = this.transactions.oneTimeCode(secret, {
      userId: signIn.userId,
      role: signIn.role,
      objectId: signIn.identity.objectId,
      directoryId: signIn.identity.directoryId,
    });
    if (signIn.client === 'app') {
      if (!signIn.appRedirectUri) throw new SsoError(SsoErrorCode.InvalidRequest, 'no app redirect URI');
      return appendQuery(signIn.appRedirectUri, { code });
    }
    return `${this.portalUrl()}#${new URLSearchParams({ sso_code: code }).toString()}`;
  }

  /**
   * Redeems a one-time code for the host's session. Who may sign in is decided again here, from the PBX's state
   * now: a user disabled, demoted, unlinked or excluded since the callback gets what they are now, or nothing.
   */
  async exchangeCode(code: string, proof: CodeProof): Promise<ExchangedSession> {
    const redeemed = await this.transactions.redeemCode(code, proof);
    try {
      const { rules } = await this.scopes.enabledRules(redeemed.scope);
      const account = await this.accounts.resolve(
        redeemed.scope,
        { objectId: redeemed.objectId, directoryId: redeemed.directoryId, username: null, displayName: null },
        rules,
      );
      if (account.userId !== redeemed.userId) {
        throw new SsoError(SsoErrorCode.UserNotFound, 'the Microsoft account was linked to another PBX user');
      }
      this.assertAllowed(rules, account, redeemed.client, redeemed.objectId);
      const session = await this.sessions.issueSession({
        pbxTenantId: redeemed.scope === SYSTEM_SCOPE ? null : redeemed.scope,
        userId: account.userId,
        // System admins get their own role from the host; the port's role is for tenant sessions.
        role: account.role === 'tenant-admin' ? 'tenant-admin' : 'user',
        client: redeemed.client,
      });
      return { ...session, scope: redeemed.scope, role: account.role };
    } catch (error) {
      if (error instanceof SsoError) {
        this.logger.log(
          `Code exchange refused for scope ${redeemed.scope}: ${error.code} (${error.detail ?? '-'})`,
        );
      }
      throw error;
    }
  }

  /** Ends the PBX session; answers Entra's logout URL for the tenant, to offer signing out of Microsoft too. */
  async logout(
    token: string | undefined,
    scope: string | undefined,
  ): Promise<{ microsoftLogoutUrl: string | null }> {
    if (token) await this.sessions.revokeSession(token);
    if (!scope) return { microsoftLogoutUrl: null };
    const { settings } = await this.configurations.get(scope);
    if (!settings?.directoryId) return { microsoftLogoutUrl: null };
    const { logoutUrl } = this.msal.endpoints({ cloud: settings.cloud, directoryId: settings.directoryId });
    return { microsoftLogoutUrl: logoutUrl };
  }

  /** Where the portal lives: `sso.portalUrl`, by default the public URL's origin. */
  portalUrl(): string {
    return ssoPortalUrl(this.options);
  }

  basePath(): string {
    return ssoBasePath(this.options);
  }

  private assertAllowed(
    rules: SsoSettingsEntity,
    account: { userId: string; role: SignInRole },
    client: SsoClient,
    objectId: string,
  ): void {
    const decision = decideSignIn(rules, account.role, client, { objectId });
    if (!decision.allowed) {
      throw new SsoError(SsoErrorCode.NotAllowed, `PBX user ${account.userId}: ${decision.reason}`);
    }
  }
}

function appendQuery(uri: string, params: Record<string, string>): string {
  return `${uri}${uri.includes('?') ? '&' : '?'}${new URLSearchParams(params).toString()}`;
}
