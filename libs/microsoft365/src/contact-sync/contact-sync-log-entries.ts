import {
  logDraft,
  ProvisioningAction,
  type ProvisioningLogDraft,
} from '../provisioning-log/provisioning-log-entry';
import { type MailboxReport } from './contact-sync-run.context';

/**
 * The provisioning log line of one mailbox in a run, or null when the run changed nothing in it: the log says what
 * happened, and an idle mailbox is not written every run.
 */
export function mailboxLogEntry(report: MailboxReport): ProvisioningLogDraft | null {
  const counts = {
    folders: report.folders,
    foldersRemoved: report.foldersRemoved,
    fullPasses: report.fullPasses,
    upserted: report.upserted,
    deleted: report.deleted,
  };
  const changed = report.upserted > 0 || report.deleted > 0 || report.foldersRemoved > 0;
  if (report.status === 'SYNCED' && !changed) return null;
  const action = {
    SYNCED: ProvisioningAction.Synced,
    REMOVED: ProvisioningAction.Removed,
    FAILED: ProvisioningAction.Failed,
  }[report.status];
  return logDraft({
    action,
    objectId: report.objectId,
    userPrincipalName: report.mailbox,
    pbxUserId: report.pbxUserId,
    reason: report.status === 'FAILED' ? (report.code ?? null) : null,
    message: report.message ?? null,
    counts,
  });
}

/** A listed shared mailbox the run did not sync (not found, not shared, no permission). */
export function sharedMailboxNotSynced(
  mailbox: { objectId: string | null; userPrincipalName: string },
  failed: boolean,
  code: string,
  message: string,
): ProvisioningLogDraft {
  return logDraft({
    action: failed ? ProvisioningAction.Failed : ProvisioningAction.Skipped,
    objectId: mailbox.objectId ?? '-',
    userPrincipalName: mailbox.userPrincipalName.toLowerCase(),
    reason: code,
    message,
  });
}
