import { createHash } from 'node:crypto';
import { base64UrlEncode } from '../core/base64url';
import type { EmulatorContext, RouteFamily } from '../emulator.context';
import { AadstsError } from './aadsts.error';
import {
  GRAPH_RESOURCES,
  graphDelegatedScopes,
  resolveClientCredentialsResource,
} from './graph-resource.scope';
import { REFRESH_TOKEN_INACTIVITY_MS } from './refresh-token.store';
import { appNotFound, findApp, isMultiTenantSegment, resolveTenantOrThrow } from './login-tenant.resolver';
import { readForm, requireParam, type EmulatorRequest } from '../http/emulator-request';
import { jsonResponse, type EmulatorResponse } from '../http/emulator-response';
import type { TenantState } from '../state/tenant.state';

const NO_STORE = { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' };

function missing(name: string): AadstsError {
  return new AadstsError(
    'invalid_request',
    900144,
    `The request body must contain the following parameter: '${name}'.`,
  );
}

/** The assertion `aud` must be this token endpoint (without query), under any alias of the tenant. */
function acceptedAudiences(context: EmulatorContext, segment: string, tenant: TenantState): string[] {
  const aliases = new Set([segment, tenant.id, tenant.domain]);
  return [...aliases].flatMap((alias) => [
    context.urls.tokenEndpoint(alias),
    `${context.urls.authority(alias)}/oauth2/token`,
  ]);
}

function clientCredentials(
  context: EmulatorContext,
  segment: string,
  form: URLSearchParams,
): EmulatorResponse {
  if (isMultiTenantSegment(segment)) {
    throw new AadstsError(
      'invalid_request',
      9001023,
      "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
    );
  }
  const tenant = resolveTenantOrThrow(context.tenants, segment);
  const clientId = form.get('client_id');
  if (!clientId) throw missing('client_id');
  const app = tenant.findApp(clientId);
  if (!app) throw appNotFound(clientId, tenant.domain);
  const resource = resolveClientCredentialsResource(form.get('scope'), tenant.domain);
  context.assertions.validate({ app, form, acceptedAudiences: acceptedAudiences(context, segment, tenant) });
  const issued = context.tokens.issueAppToken(tenant, app, resource, clientCapabilities(form.get('claims')));
  return jsonResponse(
    200,
    {
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      ext_expires_in: issued.expiresIn,
      access_token: issued.token,
    },
    NO_STORE,
  );
}

/**
 * The capabilities a client declares in the `claims` request parameter,
 * `{"access_token":{"xms_cc":{"values":["cp1"]}}}` (docs/graph-notes.md §1.8). Microsoft does not document its
 * answer to a `claims` value that is not JSON; the emulator treats it as declaring nothing.
 */
function clientCapabilities(claims: string | null): string[] {
  if (claims === null || claims === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(claims);
  } catch {
    return [];
  }
  const values = (parsed as { access_token?: { xms_cc?: { values?: unknown } } } | null)?.access_token?.xms_cc
    ?.values;
  return Array.isArray(values) ? values.filter((value): value is string => typeof value === 'string') : [];
}

function pkceMatches(
  challenge: string,
  method: 'S256' | 'plain' | undefined,
  verifier: string | null,
): boolean {
  if (!verifier) return false;
  if (method === 'plain') return verifier === challenge;
  return base64UrlEncode(createHash('sha256').update(verifier, 'ascii').digest()) === challenge;
}

function authorizationCode(
  context: EmulatorContext,
  segment: string,
  form: URLSearchParams,
): EmulatorResponse {
  const clientId = form.get('client_id');
  if (!clientId) throw missing('client_id');
  const code = form.get('code');
  if (!code) throw missing('code');
  const found = findApp(context.tenants, segment, clientId);
  if (!found) throw appNotFound(clientId, segment);
  const grant = context.codes.find(code);
  const homeTenant = found.tenant;
  context.assertions.validate({
    app: found.app,
    form,
    acceptedAudiences: acceptedAudiences(context, segment, homeTenant),
  });
  if (!grant)
    throw new AadstsError('invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
  if (grant.clientId !== found.app.clientId) {
    throw new AadstsError(
      'invalid_grant',
      70000,
      "The provided value for the 'code' parameter is not valid.",
    );
  }
  if (grant.redeemed) {
    throw new AadstsError(
      'invalid_grant',
      54005,
      'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
    );
  }
  if (grant.expiresAt < context.clock.now()) {
    throw new AadstsError(
      'invalid_grant',
      70008,
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
    );
  }
  const redirectUri = form.get('redirect_uri');
  if (redirectUri !== grant.redirectUri) {
    throw new AadstsError(
      'invalid_grant',
      50011,
      `The redirect URI '${redirectUri ?? ''}' specified in the request does not match the redirect URI '${grant.redirectUri}' used when requesting the authorization code.`,
    );
  }
  if (
    grant.codeChallenge !== undefined &&
    !pkceMatches(grant.codeChallenge, grant.codeChallengeMethod, form.get('code_verifier'))
  ) {
    throw new AadstsError(
      'invalid_grant',
      501481,
      'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
    );
  }
  grant.redeemed = true;
  const tenant = context.tenants.resolve(grant.tenantId);
  const user = tenant?.users.find(grant.userId);
  if (!tenant || !user || !user.fields.accountEnabled) {
    throw new AadstsError('invalid_grant', 50057, 'The user account is disabled.');
  }
  const tokenRequest = {
    tenant,
    app: found.app,
    user,
    nonce: grant.nonce,
    scopes: grant.scopes,
    sessionId: grant.sessionId,
  };
  const graphScopes = graphDelegatedScopes(grant.scopes);
  const access = context.tokens.issueDelegatedToken(tokenRequest, GRAPH_RESOURCES[0] ?? '', graphScopes);
  const oidcScopes = grant.scopes.filter((scope) => ['openid', 'profile', 'email'].includes(scope));
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: [...graphScopes, ...oidcScopes].join(' '),
    expires_in: access.expiresIn,
    ext_expires_in: access.expiresIn,
    access_token: access.token,
  };
  if (grant.scopes.includes('offline_access')) {
    const now = context.clock.now();
    body['refresh_token'] = context.refreshTokens.issue({
      tenantId: tenant.id,
      clientId: found.app.clientId,
      userId: user.id,
      scopes: grant.scopes,
      sessionId: grant.sessionId,
      authTimeMs: now,
      lastUsedMs: now,
    });
  }
  if (grant.scopes.includes('openid')) body['id_token'] = context.tokens.issueIdToken(tokenRequest);
  if (form.get('client_info') === '1') {
    body['client_info'] = base64UrlEncode(JSON.stringify({ uid: user.id, utid: tenant.id }));
  }
  return jsonResponse(200, body, NO_STORE);
}

/**
 * `grant_type=refresh_token` for a confidential client (docs/graph-notes.md §14): the client authenticates as for
 * the code (its certificate assertion), the token must be the client's own, its user enabled and not revoked
 * since the sign-in, and used within 90 days. Answers a new access token and a new refresh token.
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token
 */
function refreshToken(context: EmulatorContext, segment: string, form: URLSearchParams): EmulatorResponse {
  const clientId = form.get('client_id');
  if (!clientId) throw missing('client_id');
  const presented = form.get('refresh_token');
  if (!presented) throw missing('refresh_token');
  const found = findApp(context.tenants, segment, clientId);
  if (!found) throw appNotFound(clientId, segment);
  context.assertions.validate({
    app: found.app,
    form,
    acceptedAudiences: acceptedAudiences(context, segment, found.tenant),
  });
  const grant = context.refreshTokens.find(presented);
  // An unknown token: Entra's answer for a malformed one (the reference lists no finer code).
  if (!grant || grant.clientId !== found.app.clientId)
    throw new AadstsError('invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
  const now = context.clock.now();
  const tenant = context.tenants.resolve(grant.tenantId);
  const user = tenant?.users.find(grant.userId);
  if (!tenant || !user || !user.fields.accountEnabled) {
    throw new AadstsError('invalid_grant', 50057, 'The user account is disabled.');
  }
  if (user.signInSessionsValidFromMs !== undefined && user.signInSessionsValidFromMs > grant.authTimeMs) {
    const issued = new Date(grant.authTimeMs).toISOString();
    const validFrom = new Date(user.signInSessionsValidFromMs).toISOString();
    throw new AadstsError(
      'invalid_grant',
      50173,
      `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${issued}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${validFrom}'.`,
    );
  }
  if (grant.lastUsedMs + REFRESH_TOKEN_INACTIVITY_MS < now) {
    throw new AadstsError(
      'invalid_grant',
      700082,
      'The refresh token has expired due to inactivity. The token was issued on ' +
        `${new Date(grant.lastUsedMs).toISOString()} and was inactive for 90.00:00:00.`,
    );
  }
  grant.lastUsedMs = now;
  const tokenRequest = {
    tenant,
    app: found.app,
    user,
    nonce: undefined,
    scopes: grant.scopes,
    sessionId: grant.sessionId,
  };
  // The scopes granted at sign-in (what the refresh token carries), whatever subset the client names.
  const graphScopes = graphDelegatedScopes(grant.scopes);
  const access = context.tokens.issueDelegatedToken(tokenRequest, GRAPH_RESOURCES[0] ?? '', graphScopes);
  const oidcScopes = grant.scopes.filter((scope) => ['openid', 'profile', 'email'].includes(scope));
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: [...graphScopes, ...oidcScopes].join(' '),
    expires_in: access.expiresIn,
    ext_expires_in: access.expiresIn,
    access_token: access.token,
    refresh_token: context.refreshTokens.issue({ ...grant, lastUsedMs: now }),
  };
  if (grant.scopes.includes('openid')) body['id_token'] = context.tokens.issueIdToken(tokenRequest);
  if (form.get('client_info') === '1') {
    body['client_info'] = base64UrlEncode(JSON.stringify({ uid: user.id, utid: tenant.id }));
  }
  return jsonResponse(200, body, NO_STORE);
}

function token(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const segment = requireParam(request, 'tenant');
  const form = readForm(request);
  const grantType = form.get('grant_type');
  if (!grantType) throw missing('grant_type');
  if (!isMultiTenantSegment(segment)) resolveTenantOrThrow(context.tenants, segment);
  switch (grantType) {
    case 'client_credentials':
      return clientCredentials(context, segment, form);
    case 'authorization_code':
      return authorizationCode(context, segment, form);
    case 'refresh_token':
      return refreshToken(context, segment, form);
    default:
      throw new AadstsError(
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${grantType}'.`,
      );
  }
}

export const tokenRoutes: RouteFamily = (context) => [
  {
    method: 'POST',
    path: '/{tenant}/oauth2/v2.0/token',
    kind: 'login',
    handler: (request) => token(context, request),
  },
];
