import { createHash, randomUUID } from 'node:crypto';
import type { EmulatorClock } from '../core/emulator.clock';
import type { SeededRandom } from '../core/seeded.random';
import type { EmulatorUrls } from '../emulator-urls';
import { signJwtRs256 } from './jwt.codec';
import type { AppRegistration } from '../state/app-registration';
import type { DirectoryUser } from '../state/directory-user';
import type { TenantState } from '../state/tenant.state';

export interface IssuedToken {
  readonly token: string;
  readonly expiresIn: number;
}

export interface IdTokenRequest {
  readonly tenant: TenantState;
  readonly app: AppRegistration;
  readonly user: DirectoryUser;
  readonly nonce: string | undefined;
  readonly scopes: readonly string[];
  readonly sessionId: string;
}

export interface AccessTokenIssuerOptions {
  /**
   * Fixed lifetime; by default 60..90 minutes like Entra (docs/graph-notes.md §1.1), drawn from the seeded
   * PRNG.
   */
  readonly accessTokenLifetimeSeconds?: number;
}

/** Issues v1 Graph access tokens and v2 ID tokens signed with the tenant's active signing key. */
export class AccessTokenIssuer {
  constructor(
    private readonly clock: EmulatorClock,
    private readonly urls: EmulatorUrls,
    private readonly random: SeededRandom,
    private readonly options: AccessTokenIssuerOptions,
  ) {}

  static graphIssuer(tenantId: string): string {
    return `https://sts.windows.net/${tenantId}/`;
  }

  /**
   * @param clientCapabilities what the client declared in the `claims` parameter; `cp1` (able to handle claims
   * challenges) becomes the `xms_cc` claim, and only such tokens are subject to continuous access evaluation
   * (docs/graph-notes.md §1.8).
   */
  issueAppToken(
    tenant: TenantState,
    app: AppRegistration,
    resource: string,
    clientCapabilities: readonly string[] = [],
  ): IssuedToken {
    const lifetime = this.lifetime();
    const now = this.clock.nowSeconds();
    const roles = [...app.grantedRoles].sort();
    const claims: Record<string, unknown> = {
      aud: resource,
      iss: AccessTokenIssuer.graphIssuer(tenant.id),
      iat: now,
      nbf: now,
      exp: now + lifetime,
      aio: randomUUID(),
      app_displayname: app.displayName,
      appid: app.clientId,
      appidacr: '2',
      idp: AccessTokenIssuer.graphIssuer(tenant.id),
      idtyp: 'app',
      oid: app.servicePrincipalId,
      rh: '0.emulator.',
      sub: app.servicePrincipalId,
      tenant_region_scope: 'EU',
      tid: tenant.id,
      uti: randomUUID().replace(/-/g, ''),
      ver: '1.0',
    };
    // Entra leaves the roles claim out entirely when nothing is consented.
    if (roles.length > 0) claims['roles'] = roles;
    if (clientCapabilities.includes('cp1')) {
      claims['xms_cc'] = ['cp1'];
      app.rememberToken(claims['uti'] as string, now + lifetime, now);
    }
    return { token: this.sign(tenant, claims), expiresIn: lifetime };
  }

  issueDelegatedToken(
    request: IdTokenRequest,
    resource: string,
    graphScopes: readonly string[],
  ): IssuedToken {
    const lifetime = this.lifetime();
    const now = this.clock.nowSeconds();
    const { tenant, app, user } = request;
    const claims: Record<string, unknown> = {
      aud: resource,
      iss: AccessTokenIssuer.graphIssuer(tenant.id),
      iat: now,
      nbf: now,
      exp: now + lifetime,
      amr: ['pwd'],
      app_displayname: app.displayName,
      appid: app.clientId,
      appidacr: '2',
      family_name: user.fields.surname ?? undefined,
      given_name: user.fields.givenName ?? undefined,
      idtyp: 'user',
      name: user.fields.displayName ?? undefined,
      oid: user.id,
      scp: graphScopes.join(' '),
      sid: request.sessionId,
      sub: this.pairwiseSubject(user, app),
      tid: tenant.id,
      unique_name: user.fields.userPrincipalName,
      upn: user.fields.userPrincipalName,
      uti: randomUUID().replace(/-/g, ''),
      ver: '1.0',
    };
    return { token: this.sign(tenant, claims), expiresIn: lifetime };
  }

  issueIdToken(request: IdTokenRequest): string {
    const now = this.clock.nowSeconds();
    const { tenant, app, user, scopes } = request;
    const claims: Record<string, unknown> = {
      aud: app.clientId,
      iss: this.urls.issuer(tenant.id),
      iat: now,
      nbf: now,
      exp: now + 3600,
      name: user.fields.displayName ?? undefined,
      nonce: request.nonce,
      oid: user.id,
      preferred_username: user.fields.userPrincipalName,
      rh: '0.emulator.',
      sid: request.sessionId,
      sub: this.pairwiseSubject(user, app),
      tid: tenant.id,
      uti: randomUUID().replace(/-/g, ''),
      ver: '2.0',
    };
    if (scopes.includes('email') && user.fields.mail) claims['email'] = user.fields.mail;
    return this.sign(tenant, claims);
  }

  /** `sub` is pairwise per app (docs/graph-notes.md §11): stable for one app, different across apps. */
  pairwiseSubject(user: DirectoryUser, app: AppRegistration): string {
    return createHash('sha256').update(`${user.id}|${app.clientId}`).digest('base64url').slice(0, 43);
  }

  private sign(tenant: TenantState, claims: Record<string, unknown>): string {
    const key = tenant.signingKeys.active();
    const header = { typ: 'JWT', alg: 'RS256', x5t: key.kid, kid: key.kid };
    const defined = Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
    return signJwtRs256(header, defined, key.privateKey);
  }

  private lifetime(): number {
    return this.options.accessTokenLifetimeSeconds ?? 3600 + this.random.int(1800);
  }
}
