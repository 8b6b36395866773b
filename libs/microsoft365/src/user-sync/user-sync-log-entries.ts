import {
  logDraft,
  ProvisioningAction,
  type ProvisioningLogDraft,
} from '../provisioning-log/provisioning-log-entry';
import { type LeaverAction, type UserSyncAction } from './user-sync-plan';

type Planned<A extends UserSyncAction['action']> = Extract<UserSyncAction, { action: A }>;

/** The provisioning log line of each outcome the applier reaches, from the plan item it executed. */
export const userSyncLog = {
  created(action: Planned<'create'>, pbxUserId: string, extension: string): ProvisioningLogDraft {
    return logDraft({
      action: ProvisioningAction.Created,
      objectId: action.objectId,
      userPrincipalName: action.userPrincipalName,
      pbxUserId,
      extension,
      // Why the extension source's value was not used: the admin finds it with the user.
      reason: action.extensionNote?.code.toLowerCase().replace(/_/g, '-') ?? null,
      message: action.extensionNote?.message ?? null,
    });
  },

  failed(action: Planned<'create'>, code: string, message: string): ProvisioningLogDraft {
    return logDraft({
      action: ProvisioningAction.Failed,
      objectId: action.objectId,
      userPrincipalName: action.userPrincipalName,
      reason: code,
      message,
    });
  },

  linked(action: Planned<'link'>): ProvisioningLogDraft {
    return logDraft({
      action: ProvisioningAction.Linked,
      objectId: action.objectId,
      userPrincipalName: action.userPrincipalName,
      pbxUserId: action.pbxUserId,
      extension: action.extension,
      reason: `matched-by-${action.matchedBy === 'email' ? 'email' : 'upn'}`,
      changes: action.changes.length > 0 ? action.changes : null,
    });
  },

  updated(action: Planned<'update'>, extension: string | null): ProvisioningLogDraft {
    return logDraft({
      action: action.enable ? ProvisioningAction.ReEnabled : ProvisioningAction.Updated,
      objectId: action.objectId,
      userPrincipalName: action.userPrincipalName,
      pbxUserId: action.pbxUserId,
      extension,
      changes: action.changes.length > 0 ? action.changes : null,
    });
  },

  skipped(action: Planned<'skip'>, message: string): ProvisioningLogDraft {
    return logDraft({
      action: ProvisioningAction.Skipped,
      objectId: action.objectId,
      userPrincipalName: action.userPrincipalName,
      reason: action.reason,
      message,
    });
  },

  left(
    leaver: LeaverAction,
    link: { userPrincipalName: string | null; extension: string | null },
  ): ProvisioningLogDraft {
    const action = {
      disable: ProvisioningAction.Disabled,
      delete: ProvisioningAction.Deleted,
      keep: ProvisioningAction.Kept,
    }[leaver.action];
    return logDraft({
      action,
      objectId: leaver.objectId,
      userPrincipalName: leaver.userPrincipalName ?? link.userPrincipalName,
      pbxUserId: leaver.pbxUserId,
      extension: link.extension,
      reason: leaver.reason,
    });
  },

  /** A removal the deletion guard held back for an admin's decision. */
  held(leaver: LeaverAction, why: string): ProvisioningLogDraft {
    return logDraft({
      action: ProvisioningAction.Skipped,
      objectId: leaver.objectId,
      userPrincipalName: leaver.userPrincipalName,
      pbxUserId: leaver.pbxUserId,
      reason: 'deletion-guard',
      message: `Held back by the deletion guard (${leaver.action} because ${leaver.reason}): ${why}`,
    });
  },
};
