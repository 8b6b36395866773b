import { AadstsError } from './aadsts.error';

export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/**
 * Graph hosts of the global and national clouds (docs/graph-notes.md §2); the emulator serves all of them.
 */
export const GRAPH_RESOURCES: readonly string[] = [
  'https://graph.microsoft.com',
  'https://graph.microsoft.us',
  'https://dod-graph.microsoft.us',
  'https://microsoftgraph.chinacloudapi.cn',
];

export const OIDC_SCOPES: readonly string[] = ['openid', 'profile', 'email', 'offline_access'];

function normaliseResource(resource: string): string | undefined {
  const trimmed = resource.replace(/\/+$/, '');
  if (trimmed.toLowerCase() === GRAPH_APP_ID) return GRAPH_RESOURCES[0];
  return GRAPH_RESOURCES.find((known) => known === trimmed.toLowerCase());
}

/**
 * client_credentials scopes must be `{resource}/.default` of a single resource (docs/graph-notes.md §1.1,
 * §1.6).
 */
export function resolveClientCredentialsResource(scope: string | null, tenantName: string): string {
  if (scope === null || scope.trim() === '') {
    throw new AadstsError(
      'invalid_request',
      900144,
      "The request body must contain the following parameter: 'scope'.",
    );
  }
  const resources = new Set<string>();
  for (const item of scope.trim().split(/\s+/)) {
    if (!item.endsWith('/.default')) {
      throw new AadstsError(
        'invalid_scope',
        70011,
        `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const raw = item.slice(0, -'/.default'.length);
    const resource = normaliseResource(raw);
    if (!resource) {
      throw new AadstsError(
        'invalid_resource',
        500011,
        `The resource principal named ${raw} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      );
    }
    resources.add(resource);
  }
  if (resources.size !== 1) {
    throw new AadstsError(
      'invalid_scope',
      70011,
      `The provided value for the input parameter 'scope' is not valid. One or more scopes in '${scope}' are not compatible with each other.`,
    );
  }
  return [...resources][0] ?? '';
}

/** Delegated scopes: OIDC scopes plus Graph permissions, either bare ("User.Read") or resource-qualified. */
export function graphDelegatedScopes(scopes: readonly string[]): string[] {
  const result: string[] = [];
  for (const scope of scopes) {
    if (OIDC_SCOPES.includes(scope.toLowerCase())) continue;
    const qualified = GRAPH_RESOURCES.find((resource) => scope.toLowerCase().startsWith(`${resource}/`));
    result.push(qualified ? scope.slice(qualified.length + 1) : scope);
  }
  return result.length > 0 ? result : ['User.Read'];
}
