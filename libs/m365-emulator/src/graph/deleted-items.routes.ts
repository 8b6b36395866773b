import type { EmulatorContext, RouteFamily } from '../emulator.context';
import { requireParam, type EmulatorRequest } from '../http/emulator-request';
import { odataResponse, type EmulatorResponse } from '../http/emulator-response';
import type { DirectoryGroup } from '../state/directory-group';
import type { TenantState } from '../state/tenant.state';
import { DEFAULT_GROUP_PROPERTIES, GROUP_TYPE_NAME, projectGroup } from './group.resource';
import { GROUP_RESTORE_PERMISSIONS } from './graph-permissions';
import { GraphError } from './graph.error';

/**
 * Restores a soft-deleted group from the deleted items with the same id and its members, or answers undefined when
 * it is not there (never deleted, deleted permanently, or past the 30 days). Shared by the Graph route and the
 * control API (an admin restoring it in the Entra admin center).
 */
export function restoreDeletedGroup(
  tenant: TenantState,
  id: string,
  now: number,
): DirectoryGroup | undefined {
  return tenant.groups.restore(
    id,
    now,
    (memberId) => tenant.users.find(memberId) !== undefined || tenant.groups.find(memberId) !== undefined,
  );
}

/**
 * `POST /directory/deletedItems/{id}/restore`: 200 with the restored object, 404 `Request_ResourceNotFound` when
 * the deleted items do not hold it; application permission `Group.ReadWrite.All` for a group
 * (https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-restore, docs/graph-notes.md §3.3). Only
 * groups are modelled; a deleted user is not restorable in the emulator.
 */
function restore(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const caller = context.graphAuth.authorize(request, GROUP_RESTORE_PERMISSIONS);
  const id = requireParam(request, 'id');
  const group = restoreDeletedGroup(caller.tenant, id, context.clock.now());
  if (!group) throw GraphError.notFound(id);
  return odataResponse(200, {
    '@odata.context': `${context.urls.graphBaseUrl}/$metadata#directoryObjects/$entity`,
    '@odata.type': `#${GROUP_TYPE_NAME}`,
    ...projectGroup(group, DEFAULT_GROUP_PROPERTIES),
  });
}

export const deletedItemsRoutes: RouteFamily = (context) => [
  {
    method: 'POST',
    path: '/v1.0/directory/deletedItems/{id}/restore',
    kind: 'graph',
    handler: (request) => restore(context, request),
  },
];
