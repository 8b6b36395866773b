import type { EmulatorContext, RouteFamily } from '../emulator.context';
import type { DeltaResourceSpec, DeltaRound } from './directory-delta.engine';
import {
  GROUP_FILTER_CAPABILITIES,
  GROUP_PROPERTIES,
  GROUP_TYPE_NAME,
  DEFAULT_GROUP_PROPERTIES,
  projectGroup,
  readGroupProperty,
} from './group.resource';
import { GROUP_MEMBER_READ_PERMISSIONS, USER_READ_PERMISSIONS } from './graph-permissions';
import { GraphError } from './graph.error';
import { queryCollection, type CollectionSpec } from './odata/collection.query';
import { hasEventualConsistency, countRequested, parseSelect } from './odata/odata-query';
import {
  projectUser,
  readUserProperty,
  USER_FILTER_CAPABILITIES,
  USER_PROPERTIES,
  USER_TYPE_NAME,
} from './user.resource';
import { findUserOrThrow } from './users.routes';
import { queryOption, requireParam, type EmulatorRequest } from '../http/emulator-request';
import { odataResponse, type EmulatorResponse } from '../http/emulator-response';
import type { DirectoryGroup, MemberType } from '../state/directory-group';
import type { DirectoryUser } from '../state/directory-user';
import type { TenantState } from '../state/tenant.state';

type DirectoryObject = { readonly index: number } & (
  | { readonly type: 'user'; readonly user: DirectoryUser }
  | { readonly type: 'group'; readonly group: DirectoryGroup }
);

const GROUP_COLLECTION_SPEC: CollectionSpec<DirectoryGroup> = {
  typeName: GROUP_TYPE_NAME,
  resourceName: 'Group',
  properties: DEFAULT_GROUP_PROPERTIES,
  singleEntityOnly: [],
  filterCapabilities: GROUP_FILTER_CAPABILITIES,
  orderbyProperties: ['displayName'],
  searchProperties: ['displayName', 'description', 'mail', 'mailNickname'],
  read: readGroupProperty,
  project: projectGroup,
  position: (group) => group.ordinal,
};

const DIRECTORY_OBJECT_PROPERTIES = [...new Set([...USER_PROPERTIES, ...DEFAULT_GROUP_PROPERTIES])];

/** Members are users or groups; the collection query sees them through whichever type they are. */
function directoryObjectSpec(castTo: MemberType | undefined): CollectionSpec<DirectoryObject> {
  return {
    typeName:
      castTo === 'group'
        ? GROUP_TYPE_NAME
        : castTo === 'user'
          ? USER_TYPE_NAME
          : 'microsoft.graph.directoryObject',
    resourceName: castTo === 'group' ? 'Group' : castTo === 'user' ? 'User' : 'DirectoryObject',
    properties:
      castTo === 'group'
        ? DEFAULT_GROUP_PROPERTIES
        : castTo === 'user'
          ? USER_PROPERTIES
          : DIRECTORY_OBJECT_PROPERTIES,
    singleEntityOnly: [],
    filterCapabilities:
      castTo === 'group' ? GROUP_FILTER_CAPABILITIES : castTo === 'user' ? USER_FILTER_CAPABILITIES : {},
    orderbyProperties: ['displayName'],
    searchProperties: ['displayName', 'mail', 'userPrincipalName'],
    read: (item, property) =>
      item.type === 'user' ? readUserProperty(item.user, property) : readGroupProperty(item.group, property),
    project: (item, select) =>
      item.type === 'user'
        ? {
            '@odata.type': `#${USER_TYPE_NAME}`,
            ...projectUser(
              item.user,
              select?.filter((name) => USER_PROPERTIES.includes(name)),
            ),
          }
        : {
            '@odata.type': `#${GROUP_TYPE_NAME}`,
            ...projectGroup(
              item.group,
              select?.filter((name) => DEFAULT_GROUP_PROPERTIES.includes(name)),
            ),
          },
    position: (item) => item.index,
  };
}

export function findGroupOrThrow(tenant: TenantState, id: string): DirectoryGroup {
  const group = tenant.groups.find(id);
  if (!group) throw GraphError.notFound(id);
  return group;
}

function toObject(
  tenant: TenantState,
  memberId: string,
  memberType: MemberType,
  index: number,
): DirectoryObject | undefined {
  if (memberType === 'user') {
    const user = tenant.users.find(memberId);
    return user ? { index, type: 'user', user } : undefined;
  }
  const group = tenant.groups.find(memberId);
  return group ? { index, type: 'group', group } : undefined;
}

function directMembers(tenant: TenantState, group: DirectoryGroup): DirectoryObject[] {
  const result: DirectoryObject[] = [];
  for (const [memberId, memberType] of group.members) {
    const object = toObject(tenant, memberId, memberType, result.length);
    if (object) result.push(object);
  }
  return result;
}

/** Breadth-first flattening; a visited set makes membership cycles harmless. */
function transitiveMembers(tenant: TenantState, root: DirectoryGroup): DirectoryObject[] {
  const result: DirectoryObject[] = [];
  const seen = new Set<string>([root.id]);
  const queue: DirectoryGroup[] = [root];
  for (let head = 0; head < queue.length; head++) {
    const group = queue[head];
    if (!group) continue;
    for (const [memberId, memberType] of group.members) {
      if (seen.has(memberId)) continue;
      seen.add(memberId);
      const object = toObject(tenant, memberId, memberType, result.length);
      if (!object) continue;
      result.push(object);
      if (object.type === 'group') queue.push(object.group);
    }
  }
  return result;
}

function listGroups(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authorize(request, GROUP_MEMBER_READ_PERMISSIONS);
  const page = queryCollection(
    request,
    caller.tenant.groups.all(),
    GROUP_COLLECTION_SPEC,
    `${context.urls.graphBaseUrl}/$metadata#groups`,
  );
  return odataResponse(200, page.body);
}

function getGroup(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authorize(request, GROUP_MEMBER_READ_PERMISSIONS);
  const group = findGroupOrThrow(caller.tenant, requireParam(request, 'id'));
  const select = parseSelect(request, DEFAULT_GROUP_PROPERTIES, GROUP_TYPE_NAME);
  return odataResponse(200, {
    '@odata.context': `${context.urls.graphBaseUrl}/$metadata#groups/$entity`,
    ...projectGroup(group, select),
  });
}

function listMembers(
  context: EmulatorContext,
  request: EmulatorRequest,
  transitive: boolean,
  castTo: MemberType | undefined,
): EmulatorResponse {
  const caller = context.graphAuth.authorize(request, GROUP_MEMBER_READ_PERMISSIONS);
  const group = findGroupOrThrow(caller.tenant, requireParam(request, 'id'));
  // OData casts on transitiveMembers are an advanced query (docs/graph-notes.md §3.1, §3.3).
  if (transitive && castTo !== undefined && !(hasEventualConsistency(request) && countRequested(request))) {
    throw GraphError.unsupportedQuery(
      "OData cast on 'transitiveMembers' requires advanced query parameters: add the header 'ConsistencyLevel: eventual' and '$count=true'.",
    );
  }
  const all = transitive ? transitiveMembers(caller.tenant, group) : directMembers(caller.tenant, group);
  const items =
    castTo === undefined
      ? all
      : all.filter((item) => item.type === castTo).map((item, index) => ({ ...item, index }));
  const entitySet = castTo === 'user' ? 'users' : castTo === 'group' ? 'groups' : 'directoryObjects';
  const page = queryCollection(
    request,
    items,
    directoryObjectSpec(castTo),
    `${context.urls.graphBaseUrl}/$metadata#${entitySet}`,
  );
  return odataResponse(200, page.body);
}

function memberOf(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authorize(request, [
    ...USER_READ_PERMISSIONS,
    ...GROUP_MEMBER_READ_PERMISSIONS,
  ]);
  const user = findUserOrThrow(caller.tenant, requireParam(request, 'id'));
  const items = caller.tenant.groups
    .groupsOf(user.id)
    .map((group, index): DirectoryObject => ({ index, type: 'group', group }));
  const page = queryCollection(
    request,
    items,
    directoryObjectSpec(undefined),
    `${context.urls.graphBaseUrl}/$metadata#directoryObjects`,
  );
  return odataResponse(200, page.body);
}

function memberDelta(group: DirectoryGroup, round: DeltaRound): Record<string, unknown>[] {
  const entry = (memberId: string, memberType: MemberType, removed: boolean): Record<string, unknown> => ({
    '@odata.type': `#microsoft.graph.${memberType}`,
    id: memberId,
    ...(removed ? { '@removed': { reason: 'deleted' } } : {}),
  });
  if (round.initial)
    return [...group.members].map(([memberId, memberType]) => entry(memberId, memberType, false));
  const latest = new Map<string, { memberType: MemberType; removed: boolean }>();
  for (const change of group.memberChanges) {
    if (change.seq > round.fromSeq && change.seq <= round.uptoSeq) latest.set(change.memberId, change);
  }
  return [...latest].map(([memberId, change]) => entry(memberId, change.memberType, change.removed));
}

function groupDeltaSpec(
  includeMembers: (select: readonly string[] | undefined) => boolean,
): DeltaResourceSpec<DirectoryGroup> {
  return {
    resource: 'groups',
    entityType: 'group',
    typeName: GROUP_TYPE_NAME,
    properties: GROUP_PROPERTIES,
    pageSize: 100,
    live: (tenant) => tenant.groups.all(),
    find: (tenant, id) => tenant.groups.find(id),
    tombstone: (tenant, id) => tenant.groups.tombstones.get(id),
    id: (group) => group.id,
    ordinal: (group) => group.ordinal,
    lastChangeSeq: (group) => group.lastChangeSeq,
    project: (group, select, round) => {
      const body = projectGroup(group, select);
      if (includeMembers(select) || round.expand?.toLowerCase() === 'members') {
        body['members@delta'] = memberDelta(group, round);
      }
      return body;
    },
  };
}

/**
 * members@delta comes "by default, when the $select query parameter has not been specified, or when the
 * $expand=members parameter is explicitly specified" (https://learn.microsoft.com/en-us/graph/delta-query-groups,
 * and Response 1 of https://learn.microsoft.com/en-us/graph/api/group-delta?view=graph-rest-1.0), or when
 * members is selected.
 */
const GROUP_DELTA_SPEC = groupDeltaSpec((select) => select === undefined || select.includes('members'));

function groupsDelta(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authorize(request, GROUP_MEMBER_READ_PERMISSIONS);
  const expand = queryOption(request, 'expand');
  if (expand !== undefined && expand.toLowerCase() !== 'members') {
    throw GraphError.unsupportedQuery(`The $expand value '${expand}' is not supported with groups delta.`);
  }
  return odataResponse(
    200,
    context.delta.handle(request, caller.tenant, GROUP_DELTA_SPEC, context.clock.now()),
  );
}

export const groupsRoutes: RouteFamily = (context) => [
  { method: 'GET', path: '/v1.0/groups', kind: 'graph', handler: (request) => listGroups(context, request) },
  {
    method: 'GET',
    path: '/v1.0/groups/delta',
    kind: 'graph',
    handler: (request) => groupsDelta(context, request),
  },
  {
    method: 'GET',
    path: '/v1.0/groups/{id}',
    kind: 'graph',
    handler: (request) => getGroup(context, request),
  },
  {
    method: 'GET',
    path: '/v1.0/groups/{id}/members',
    kind: 'graph',
    resourceUnits: 3,
    handler: (request) => listMembers(context, request, false, undefined),
  },
  {
    method: 'GET',
    path: '/v1.0/groups/{id}/members/microsoft.graph.user',
    kind: 'graph',
    resourceUnits: 3,
    handler: (request) => listMembers(context, request, false, 'user'),
  },
  {
    method: 'GET',
    path: '/v1.0/groups/{id}/members/microsoft.graph.group',
    kind: 'graph',
    resourceUnits: 3,
    handler: (request) => listMembers(context, request, false, 'group'),
  },
  {
    method: 'GET',
    path: '/v1.0/groups/{id}/transitiveMembers',
    kind: 'graph',
    resourceUnits: 5,
    handler: (request) => listMembers(context, request, true, undefined),
  },
  {
    method: 'GET',
    path: '/v1.0/groups/{id}/transitiveMembers/microsoft.graph.user',
    kind: 'graph',
    resourceUnits: 5,
    handler: (request) => listMembers(context, request, true, 'user'),
  },
  {
    method: 'GET',
    path: '/v1.0/groups/{id}/transitiveMembers/microsoft.graph.group',
    kind: 'graph',
    resourceUnits: 5,
    handler: (request) => listMembers(context, request, true, 'group'),
  },
  {
    method: 'GET',
    path: '/v1.0/users/{id}/memberOf',
    kind: 'graph',
    resourceUnits: 2,
    handler: (request) => memberOf(context, request),
  },
];
