import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { isPbxId } from '../common/pbx-id';
import { type AppCredentials } from '../graph/app-credentials';
import { KeyManagementService } from '../keys/key-management.service';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { PBX_SESSIONS, type PbxSession, type PbxSessionsPort } from '../ports/pbx-sessions.port';
import { PBX_TENANTS, type PbxTenantsPort } from '../ports/pbx-tenants.port';
import { SYSTEM_SCOPE } from '../settings/tenant-settings.entity';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { type MicrosoftIdentity } from './id-token-claims';
import { IdTokenValidator } from './id-token.validator';
import { MicrosoftAccountResolver } from './microsoft-account.resolver';
import { PKCE_CHALLENGE_PATTERN, s256 } from './pkce';
import { decideSignIn, type SignInRole, type SsoClient } from './sign-in-rules';
import { SsoError, SsoErrorCode } from './sso-error';
import { SsoMsalProvider } from './sso-msal.provider';
import { type SsoSettingsEntity } from './sso-settings.entity';
import { SsoSettingsService, ssoBasePath, ssoPortalUrl } from './sso-settings.service';
import { SsoTransactionStore } from './sso-transaction.store';

/** Entra and the PBX may disagree on the time by this much. */
const CLOCK_SKEW_SECONDS = 120;
/** An ID token is redeemed right after it is issued; an old one is refused. */
const ID_TOKEN_MAX_AGE_SECONDS = 10 * 60;

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

interface SsoConfiguration {
  credentials: AppCredentials;
  rules: SsoSettingsEntity;
}

/**
 * "Sign in with Microsoft", web and app: start (redirect to the tenant's authority), complete (state, code, ID
 * token, account, rules) and finish (host session, or a one-time code for the app).
 */
@Injectable()
export class SsoFlowService {
  private readonly logger = new Logger(SsoFlowService.name);

  constructor(
    private readonly tenantSettings: TenantSettingsService,
    private readonly ssoSettings: SsoSettingsService,
    private readonly keys: KeyManagementService,
    private readonly msal: SsoMsalProvider,
    private readonly validator: IdTokenValidator,
    private readonly transactions: SsoTransactionStore,
    private readonly accounts: MicrosoftAccountResolver,
    @Inject(PBX_TENANTS) private readonly tenants: PbxTenantsPort,
    @Inject(PBX_SESSIONS) private readonly sessions: PbxSessionsPort,
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The scope a login page names: a tenant id, a tenant's SIP domain, or `system`. */
  async resolveScope(request: Pick<LoginRequest, 'tenant' | 'sipDomain' | 'scope'>): Promise<string> {
    if (request.scope === SYSTEM_SCOPE && !request.tenant && !request.sipDomain) return SYSTEM_SCOPE;
    const tenant = request.tenant
      ? isPbxId(request.tenant)
        ? await this.tenants.findById(request.tenant)
        : null
      : request.sipDomain
        ? await this.tenants.findBySipDomain(request.sipDomain.trim().toLowerCase())
        : null;
    if (!tenant) throw new SsoError(SsoErrorCode.UnknownTenant, 'login for an unknown tenant');
    return tenant.id;
  }

  /** For login pages: show the Microsoft button? Never throws; an unknown domain is simply "no". */
  async discover(sipDomain: string | undefined): Promise<{ enabled: boolean; loginUrl: string | null }> {
    try {
      const scope = await this.resolveScope({ sipDomain });
      await this.configuration(scope);
      const base = `${this.options.publicUrl.replace(/\/+$/, '')}${this.basePath()}`;
      return { enabled: true, loginUrl: `${base}/login?tenant=${scope}` };
    } catch {
      return { enabled: false, loginUrl: null };
    }
  }

  /** Starts a sign-in; answers Entra's authorization URL to redirect the browser to. */
  async start(request: LoginRequest): Promise<string> {
    const client = request.client ?? 'web';
    if (client !== 'web' && client !== 'app') {
      throw new SsoError(SsoErrorCode.InvalidRequest, `unknown client ${client}`);
    }
    const scope = await this.resolveScope(request);
    const { credentials, rules } = await this.configuration(scope);
    let app: { appRedirectUri: string; appCodeChallenge: string } | undefined;
    if (client === 'app') {
      if (!request.redirectUri || !rules.appRedirectUris.includes(request.redirectUri)) {
        throw new SsoError(SsoErrorCode.RedirectUriNotRegistered, 'app redirect URI not registered');
      }
      if (
        request.codeChallengeMethod !== 'S256' ||
        !request.codeChallenge ||
        !PKCE_CHALLENGE_PATTERN.test(request.codeChallenge)
      ) {
        // The app learns what is wrong at its own (registered) redirect URI.
        throw new SsoError(
          SsoErrorCode.InvalidRequest,
          'app sign-in needs an S256 code_challenge',
          request.redirectUri,
        );
      }
      app = { appRedirectUri: request.redirectUri, appCodeChallenge: request.codeChallenge };
    }
    const redirectUri = this.callbackUri(request.origin);
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
      if (request.error) throw this.entraError(request.error, request.errorDescription);
      if (!request.code) throw new SsoError(SsoErrorCode.SignInFailed, 'callback without code');
      const { credentials, rules } = await this.configuration(transaction.scope);
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
      const account = await this.accounts.resolve(transaction.scope, identity);
      const decision = decideSignIn(rules, account.role, transaction.client, {
        objectId: identity.objectId,
        userPrincipalName: identity.username,
      });
      if (!decision.allowed) {
        throw new SsoError(SsoErrorCode.NotAllowed, `PBX user ${account.userId}: ${decision.reason}`);
      }
      return {
        scope: transaction.scope,
        client: transaction.client,
        userId: account.userId,
        role: account.role,
        identity,
        transactionId: transaction.id,
        appRedirectUri: transaction.appRedirectUri,
      };
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

  /** Web: the host's session, for the portal. */
  issueSession(
    signIn: Pick<Microsoft365SignIn, 'scope' | 'userId' | 'role' | 'client'>,
  ): Promise<PbxSession> {
    return this.sessions.issueSession({
      pbxTenantId: signIn.scope === SYSTEM_SCOPE ? null : signIn.scope,
      userId: signIn.userId,
      // System admins get their own role from the host; the port's role is for tenant sessions.
      role: signIn.role === 'tenant-admin' ? 'tenant-admin' : 'user',
      client: signIn.client,
    });
  }

  /** Where the portal picks the session up: in the fragment, which browsers never send to servers or logs. */
  portalRedirect(session: PbxSession): string {
    const fragment = new URLSearchParams({
      sso_token: session.token,
      expires_at: session.expiresAt.toISOString(),
    });
    return `${this.portalUrl()}#${fragment.toString()}`;
  }

  /** App: a one-time code at the app's registered redirect URI; the session comes only with the app's verifier. */
  async appRedirect(signIn: Microsoft365SignIn): Promise<string> {
    if (!signIn.appRedirectUri) throw new SsoError(SsoErrorCode.InvalidRequest, 'no app redirect URI');
    const code = await this.transactions.issueAppCode(signIn.transactionId, signIn.userId, signIn.role);
    return appendQuery(signIn.appRedirectUri, { code });
  }

  async exchangeAppCode(
    code: string,
    verifier: string,
  ): Promise<PbxSession & { scope: string; role: SignInRole }> {
    const redeemed = await this.transactions.redeemAppCode(code, verifier);
    const session = await this.issueSession({ ...redeemed, client: 'app' });
    return { ...session, scope: redeemed.scope, role: redeemed.role };
  }

  /** Ends the PBX session; answers Entra's logout URL for the tenant, to offer signing out of Microsoft too. */
  async logout(
    token: string | undefined,
    scope: string | undefined,
  ): Promise<{ microsoftLogoutUrl: string | null }> {
    if (token) await this.sessions.revokeSession(token);
    if (!scope) return { microsoftLogoutUrl: null };
    const settings = await this.tenantSettings.find(scope);
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

  private callbackUri(origin: string | undefined): string {
    const uris = this.tenantSettings.redirectUris();
    return (origin && uris.find((uri) => uri.startsWith(`${origin}/`))) || (uris[0] as string);
  }

  private async configuration(scope: string): Promise<SsoConfiguration> {
    const settings = await this.tenantSettings.find(scope);
    if (
      !settings?.applicationId ||
      !settings.directoryId ||
      !settings.enabled ||
      !settings.features.singleSignOn
    ) {
      throw new SsoError(SsoErrorCode.NotConfigured, `single sign-on is off or incomplete for ${scope}`);
    }
    const { active } = await this.keys.current(scope);
    if (!active) throw new SsoError(SsoErrorCode.NotConfigured, `no active key pair for ${scope}`);
    return {
      credentials: {
        pbxTenantId: scope,
        cloud: settings.cloud,
        applicationId: settings.applicationId,
        directoryId: settings.directoryId,
        keyPairId: active.id,
        thumbprintSha256: active.thumbprintSha256,
        privateKeyPem: await this.keys.privateKeyPem(active),
        // Sent as `x5c` only when the host turned on `sendCertificateChain`, as for app tokens.
        certificatePem: active.certificatePem,
      },
      rules: await this.ssoSettings.rules(scope),
    };
  }

  private entraError(error: string, description: string | undefined): SsoError {
    const aadsts = /AADSTS(\d+)/.exec(description ?? '')?.[1];
    const detail = `Entra answered ${error}${aadsts ? ` (AADSTS${aadsts})` : ''}`;
    if (error === 'consent_required' || aadsts === '65001' || aadsts === '65004') {
      return new SsoError(SsoErrorCode.ConsentMissing, detail);
    }
    if (error === 'access_denied') return new SsoError(SsoErrorCode.Cancelled, detail);
    if (error === 'temporarily_unavailable' || error === 'server_error') {
      return new SsoError(SsoErrorCode.Unavailable, detail);
    }
    return new SsoError(SsoErrorCode.SignInFailed, detail);
  }
}

function appendQuery(uri: string, params: Record<string, string>): string {
  return `${uri}${uri.includes('?') ? '&' : '?'}${new URLSearchParams(params).toString()}`;
}
