import {
  logDraft,
  ProvisioningAction,
  type ProvisioningFieldChange,
  type ProvisioningLogDraft,
} from '../provisioning-log/provisioning-log-entry';
import { type GroupPlanItem, type SkippedMember } from './group-sync-plan';

/**
 * The provisioning log line of each outcome the group applier reaches, from the plan item it executed, written the
 * way the user sync writes its own (`user-sync-log-entries.ts`): `objectId` is the Entra group's object id (the
 * skipped member's for a skipped member), reasons are kebab-case, a failure's reason is its error code. The PBX
 * group's id is in the message: the log's `pbxUserId` is kept for PBX users.
 */
export const groupSyncLog = {
  /** CREATE, UPDATE (renamed, members added or removed, synced again); null for what changed nothing in the PBX. */
  applied(item: GroupPlanItem, pbxGroupId: string): ProvisioningLogDraft | null {
    const changes = changesOf(item);
    if (item.action === 'CREATE') {
      return logDraft({
        action: ProvisioningAction.Created,
        objectId: item.objectId,
        message: `Ring group "${item.name}" created in the PBX (group ${pbxGroupId})`,
        changes,
      });
    }
    if (item.action !== 'UPDATE') return null;
    return logDraft({
      action: item.reEnable ? ProvisioningAction.ReEnabled : ProvisioningAction.Updated,
      objectId: item.objectId,
      message: item.reEnable
        ? `Ring group "${item.name}" (group ${pbxGroupId}) synced again: the Entra group is back`
        : `Ring group "${item.name}" (group ${pbxGroupId}) follows the Entra group`,
      changes: changes.length > 0 ? changes : null,
    });
  },

  /** DISABLE, DELETE or KEEP by the leaver policy, with why the group left. */
  left(item: GroupPlanItem, pbxGroupId: string): ProvisioningLogDraft {
    const action = {
      DISABLE: ProvisioningAction.Disabled,
      DELETE: ProvisioningAction.Deleted,
      KEEP: ProvisioningAction.Kept,
    }[item.action as 'DISABLE' | 'DELETE' | 'KEEP'];
    return logDraft({
      action,
      objectId: item.objectId,
      reason: kebab(item.reason ?? 'DESELECTED'),
      message: `Ring group "${item.name}" (group ${pbxGroupId}): ${item.action.toLowerCase()} by the leaver policy`,
    });
  },

  failed(item: GroupPlanItem, code: string, microsoftCode: string | null): ProvisioningLogDraft {
    return logDraft({
      action: ProvisioningAction.Failed,
      objectId: item.objectId,
      reason: code,
      message:
        `The PBX did not take the change (${item.action}) of the ring group "${item.name}"` +
        (microsoftCode ? ` (Microsoft: ${microsoftCode})` : ''),
    });
  },

  /** A member of a selected group the PBX group cannot have: the user sync did not sync it, or it is not active. */
  skippedMember(skip: SkippedMember): ProvisioningLogDraft {
    return logDraft({
      action: ProvisioningAction.Skipped,
      objectId: skip.userObjectId,
      reason: kebab(skip.reason),
      message:
        skip.reason === 'NOT_SYNCED'
          ? `Member of the group ${skip.groupObjectId}, but not synced to the PBX by the user sync`
          : `Member of the group ${skip.groupObjectId}, but the PBX user is not active (disabled, kept or unbound)`,
    });
  },

  groupNotFound(objectId: string): ProvisioningLogDraft {
    return logDraft({
      action: ProvisioningAction.Skipped,
      objectId,
      reason: 'group-not-found',
      message: `The selected group ${objectId} does not exist in Microsoft 365`,
    });
  },
};

/** The name as it changed, and the PBX user ids that joined or left the ring group. */
function changesOf(item: GroupPlanItem): ProvisioningFieldChange[] {
  const changes: ProvisioningFieldChange[] = [];
  if (item.action === 'CREATE') changes.push({ field: 'name', from: null, to: item.name });
  if (item.rename) changes.push({ field: 'name', from: item.rename.from, to: item.rename.to });
  if (item.members?.added.length) changes.push({ field: 'membersAdded', from: null, to: item.members.added });
  if (item.members?.removed.length) {
    changes.push({ field: 'membersRemoved', from: item.members.removed, to: null });
  }
  return changes;
}

function kebab(code: string): string {
  return code.toLowerCase().replace(/_/g, '-');
}
