import type { EmulatorContext, RouteFamily } from '../emulator.context';
import { isMultiTenantSegment, resolveTenantOrThrow } from './login-tenant.resolver';
import type { SigningKey } from './signing-key.ring';
import { requireParam, type EmulatorRequest } from '../http/emulator-request';
import { jsonResponse, type EmulatorResponse } from '../http/emulator-response';

function openIdConfiguration(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const segment = requireParam(request, 'tenant');
  const multi = isMultiTenantSegment(segment);
  const tenantPath = multi
    ? segment.toLowerCase()
    : resolveTenantOrThrow(context.tenants, segment, 'invalid_tenant').id;
  const base = context.urls.authority(tenantPath);
  const host = context.urls.authorityHost;
  return jsonResponse(200, {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    // Multi-tenant documents publish the literal template (docs/graph-notes.md §11).
    issuer: multi ? `${context.urls.baseUrl}/{tenantid}/v2.0` : context.urls.issuer(tenantPath),
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${context.urls.baseUrl}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'cloud_instance_name',
      'cloud_instance_host_name',
      'cloud_graph_host_name',
      'msgraph_host',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: host,
    rbac_url: 'https://pas.windows.net',
  });
}

function jwk(key: SigningKey, issuer: string): Record<string, unknown> {
  const exported = key.publicKey.export({ format: 'jwk' });
  return {
    kty: 'RSA',
    use: 'sig',
    kid: key.kid,
    x5t: key.kid,
    n: exported.n,
    e: exported.e,
    x5c: [key.certificateDer.toString('base64')],
    cloud_instance_name: 'microsoftonline.com',
    issuer,
  };
}

function keys(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const segment = requireParam(request, 'tenant');
  const tenants = isMultiTenantSegment(segment)
    ? context.tenants.all()
    : [resolveTenantOrThrow(context.tenants, segment, 'invalid_tenant')];
  const published = tenants.flatMap((tenant) =>
    tenant.signingKeys.published().map((key) => jwk(key, context.urls.issuer(tenant.id))),
  );
  return jsonResponse(200, { keys: published });
}

/**
 * MSAL's cloud instance discovery (docs/graph-notes.md Appendix A.4); optional when knownAuthorities is set.
 */
function instanceDiscovery(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const authorizationEndpoint = request.url.searchParams.get('authorization_endpoint') ?? '';
  const tenantPath = /\/\/[^/]+\/([^/]+)\//.exec(authorizationEndpoint)?.[1] ?? 'common';
  const host = context.urls.authorityHost;
  return jsonResponse(200, {
    tenant_discovery_endpoint: `${context.urls.authority(tenantPath)}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  });
}

export const discoveryRoutes: RouteFamily = (context) => [
  {
    method: 'GET',
    path: '/{tenant}/v2.0/.well-known/openid-configuration',
    kind: 'login',
    handler: (request) => openIdConfiguration(context, request),
  },
  {
    method: 'GET',
    path: '/{tenant}/discovery/v2.0/keys',
    kind: 'login',
    handler: (request) => keys(context, request),
  },
  {
    method: 'GET',
    path: '/{tenant}/discovery/instance',
    kind: 'login',
    handler: (request) => instanceDiscovery(context, request),
  },
];
