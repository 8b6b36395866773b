/** What a run did to one user (user sync) or one mailbox (contact sync). */
export enum ProvisioningAction {
  Created = 'CREATED',
  /** An existing PBX user with the same UPN or email was linked instead of creating a second one. */
  Linked = 'LINKED',
  Updated = 'UPDATED',
  /** A PBX user the sync had disabled came back in scope (possibly with changed fields). */
  ReEnabled = 'RE_ENABLED',
  Disabled = 'DISABLED',
  Deleted = 'DELETED',
  /** Left the scope under the "keep" leaver policy: left as it is and no longer synced. */
  Kept = 'KEPT',
  Skipped = 'SKIPPED',
  Failed = 'FAILED',
  /** Contact sync: the mailbox's contacts changed in the PBX. */
  Synced = 'SYNCED',
  /** Contact sync: the mailbox is no longer synced and its contacts were removed from the PBX. */
  Removed = 'REMOVED',
}

/** One changed profile field. Only the fields Microsoft 365 owns in the PBX profile: never secrets or tokens. */
export interface ProvisioningFieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** Contact sync: what one run did in one mailbox. */
export interface MailboxCounts {
  folders: number;
  foldersRemoved: number;
  fullPasses: number;
  upserted: number;
  deleted: number;
}

/** One line of the provisioning log before it is stored; the run and the time are added by the writer. */
export interface ProvisioningLogDraft {
  action: ProvisioningAction;
  objectId: string;
  userPrincipalName: string | null;
  pbxUserId: string | null;
  extension: string | null;
  /** Skip or leaver reason, how a link matched, or the error code of a failure. */
  reason: string | null;
  /** The failure or skip in words, for the admin. */
  message: string | null;
  changes: ProvisioningFieldChange[] | null;
  counts: MailboxCounts | null;
}

/** A draft with everything unset but the action and the object id. */
export function logDraft(
  fields: Partial<ProvisioningLogDraft> & Pick<ProvisioningLogDraft, 'action' | 'objectId'>,
): ProvisioningLogDraft {
  return {
    userPrincipalName: null,
    pbxUserId: null,
    extension: null,
    reason: null,
    message: null,
    changes: null,
    counts: null,
    ...fields,
  };
}
