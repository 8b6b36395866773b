import type { EmulatorContext, RouteFamily } from '../emulator.context';
import type { DeltaResourceSpec } from './directory-delta.engine';
import { USER_PHONE_WRITE_PERMISSIONS, USER_READ_PERMISSIONS } from './graph-permissions';
import { GraphError } from './graph.error';
import { queryCollection, type CollectionSpec } from './odata/collection.query';
import { hasEventualConsistency, parseSelect } from './odata/odata-query';
import {
  projectUser,
  readUserProperty,
  SINGLE_USER_ONLY_PROPERTIES,
  USER_FILTER_CAPABILITIES,
  USER_ORDERBY_PROPERTIES,
  USER_PROPERTIES,
  USER_SEARCH_PROPERTIES,
  USER_TYPE_NAME,
  DEFAULT_USER_PROPERTIES,
} from './user.resource';
import { readJson, requireParam, type EmulatorRequest } from '../http/emulator-request';
import { emptyResponse, odataResponse, textResponse, type EmulatorResponse } from '../http/emulator-response';
import type { DirectoryUser } from '../state/directory-user';
import type { TenantState } from '../state/tenant.state';

export const USER_COLLECTION_SPEC: CollectionSpec<DirectoryUser> = {
  typeName: USER_TYPE_NAME,
  resourceName: 'User',
  properties: USER_PROPERTIES,
  singleEntityOnly: SINGLE_USER_ONLY_PROPERTIES,
  filterCapabilities: USER_FILTER_CAPABILITIES,
  orderbyProperties: USER_ORDERBY_PROPERTIES,
  searchProperties: USER_SEARCH_PROPERTIES,
  read: readUserProperty,
  project: projectUser,
  position: (user) => user.ordinal,
};

const USER_DELTA_SPEC: DeltaResourceSpec<DirectoryUser> = {
  resource: 'users',
  entityType: 'user',
  typeName: USER_TYPE_NAME,
  properties: USER_PROPERTIES.filter((property) => !SINGLE_USER_ONLY_PROPERTIES.includes(property)),
  pageSize: 200,
  live: (tenant) => tenant.users.all(),
  find: (tenant, id) => tenant.users.find(id),
  tombstone: (tenant, id) => tenant.users.tombstones.get(id),
  id: (user) => user.id,
  ordinal: (user) => user.ordinal,
  lastChangeSeq: (user) => user.lastChangeSeq,
  project: (user, select) => projectUser(user, select ?? DEFAULT_USER_PROPERTIES),
};

export function findUserOrThrow(tenant: TenantState, idOrUpn: string): DirectoryUser {
  const user = tenant.users.find(idOrUpn);
  if (!user) throw GraphError.notFound(idOrUpn);
  return user;
}

function listUsers(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authorize(request, USER_READ_PERMISSIONS);
  const page = queryCollection(
    request,
    caller.tenant.users.all(),
    USER_COLLECTION_SPEC,
    `${context.urls.graphBaseUrl}/$metadata#users`,
  );
  return odataResponse(200, page.body);
}

/** GET /users/$count: text/plain, and only with ConsistencyLevel: eventual (§3.1). */
function countUsers(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authorize(request, USER_READ_PERMISSIONS);
  if (!hasEventualConsistency(request)) throw GraphError.badRequest('$count is not currently supported.');
  return textResponse(200, String(caller.tenant.users.size));
}

function singleUser(
  context: EmulatorContext,
  request: EmulatorRequest,
  user: DirectoryUser,
): EmulatorResponse {
  const select = parseSelect(request, USER_PROPERTIES, USER_TYPE_NAME);
  return odataResponse(200, {
    '@odata.context': `${context.urls.graphBaseUrl}/$metadata#users${select ? `(${select.join(',')})` : ''}/$entity`,
    ...projectUser(user, select),
  });
}

function getUser(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authorize(request, USER_READ_PERMISSIONS);
  return singleUser(context, request, findUserOrThrow(caller.tenant, requireParam(request, 'id')));
}

function getMe(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authenticate(request);
  if (caller.kind !== 'delegated' || caller.userId === undefined) {
    throw GraphError.badRequest(
      '/me request is only valid with delegated authentication flow.',
      'BadRequest',
    );
  }
  if (
    ![...caller.permissions].some((scope) =>
      ['User.Read', 'User.ReadWrite', 'User.Read.All', 'User.ReadBasic.All'].includes(scope),
    )
  ) {
    throw GraphError.insufficientPrivileges();
  }
  return singleUser(context, request, findUserOrThrow(caller.tenant, caller.userId));
}

/** Graph's OIDC UserInfo endpoint (docs/graph-notes.md §11); needs a delegated token. */
function userInfo(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authenticate(request);
  if (caller.kind !== 'delegated' || caller.userId === undefined) throw GraphError.insufficientPrivileges();
  const user = findUserOrThrow(caller.tenant, caller.userId);
  return odataResponse(200, {
    sub: user.id,
    name: user.fields.displayName,
    family_name: user.fields.surname,
    given_name: user.fields.givenName,
    email: user.fields.mail,
    picture: `${context.urls.graphBaseUrl}/me/photo/$value`,
  });
}

/**
 * PATCH /users/{id}: the emulator writes only the phone properties (what the PBX writes back), under the phone
 * permission or a higher one; 204 without a body, and the change shows in /users/delta like any other.
 * `businessPhones` takes at most one number ("Only one number can be set for this property"):
 * https://learn.microsoft.com/en-us/graph/api/user-update, https://learn.microsoft.com/en-us/graph/api/resources/user
 */
function updateUser(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authorize(request, USER_PHONE_WRITE_PERMISSIONS);
  const user = findUserOrThrow(caller.tenant, requireParam(request, 'id'));
  let body: unknown;
  try {
    body = readJson(request);
  } catch {
    throw GraphError.badRequest('Unable to read JSON request payload.', 'BadRequest');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw GraphError.badRequest('Empty Payload. JSON content expected.', 'BadRequest');
  const changes: { businessPhones?: readonly string[]; mobilePhone?: string | null } = {};
  for (const [property, value] of Object.entries(body as Record<string, unknown>)) {
    if (property === 'businessPhones') {
      if (!Array.isArray(value) || !value.every((phone): phone is string => typeof phone === 'string'))
        throw GraphError.badRequest(
          "Invalid value specified for property 'businessPhones' of resource 'User'.",
        );
      if (value.length > 1)
        throw GraphError.badRequest('Only one number can be set for the businessPhones property.');
      changes.businessPhones = value;
    } else if (property === 'mobilePhone') {
      if (value !== null && typeof value !== 'string')
        throw GraphError.badRequest("Invalid value specified for property 'mobilePhone' of resource 'User'.");
      changes.mobilePhone = value;
    } else {
      // Strict: a property the emulator cannot write is refused rather than silently ignored.
      throw GraphError.badRequest(
        `The emulator does not write the property '${property}' of resource 'User'.`,
      );
    }
  }
  caller.tenant.users.update(user, changes);
  return emptyResponse(204);
}

function usersDelta(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authorize(request, USER_READ_PERMISSIONS);
  return odataResponse(
    200,
    context.delta.handle(request, caller.tenant, USER_DELTA_SPEC, context.clock.now()),
  );
}

export const usersRoutes: RouteFamily = (context) => [
  {
    method: 'GET',
    path: '/v1.0/users',
    kind: 'graph',
    resourceUnits: 2,
    handler: (request) => listUsers(context, request),
  },
  {
    method: 'GET',
    path: '/v1.0/users/$count',
    kind: 'graph',
    handler: (request) => countUsers(context, request),
  },
  {
    method: 'GET',
    path: '/v1.0/users/delta',
    kind: 'graph',
    handler: (request) => usersDelta(context, request),
  },
  { method: 'GET', path: '/v1.0/users/{id}', kind: 'graph', handler: (request) => getUser(context, request) },
  {
    method: 'PATCH',
    path: '/v1.0/users/{id}',
    kind: 'graph',
    handler: (request) => updateUser(context, request),
  },
  { method: 'GET', path: '/v1.0/me', kind: 'graph', handler: (request) => getMe(context, request) },
  { method: 'GET', path: '/oidc/userinfo', kind: 'graph', handler: (request) => userInfo(context, request) },
];
