import { type SyncKind } from '../runs/sync-run-status';

/** Why a sync job exists. */
export enum SyncJobReason {
  /** A slot of the tenant's schedule. */
  Schedule = 'schedule',
  /** Change notifications (debounced per tenant and kind). */
  Notification = 'notification',
  /** The next attempt of a feature the failure escalation holds back (degraded or quarantined). */
  Retry = 'retry',
  /** The polling fallback's incremental run (no change notifications, or none for too long). */
  Poll = 'poll',
  /** A run an admin started; it is already recorded (`runId`). */
  Manual = 'manual',
}

/** The data of a job on the sync queue (JSON, in pg-boss's table: nothing secret). */
export interface SyncJobData {
  kind: SyncKind;
  pbxTenantId: string;
  reason: SyncJobReason;
  /** Schedule: the slot (ISO) and the schedule it was computed from (`scheduleFingerprint`). */
  slot?: string;
  schedule?: string;
  /** Manual: the run recorded when the admin asked, and the request's options. */
  runId?: string;
  request?: { mode?: 'full' | 'incremental'; full?: boolean; dryRun?: boolean };
  /** Notification: the mailboxes whose contacts changed (contact sync), gathered over the debounce window. */
  mailboxIds?: string[];
  /** Notification: when the first notification this job answers arrived (ms since the epoch), for the lag metric. */
  notifiedAt?: number;
}

/** The singleton key that folds a kind's waiting jobs per tenant: one waiting slot, one waiting wake, one retry. */
export const syncJobKey = (reason: SyncJobReason, kind: SyncKind, pbxTenantId: string): string =>
  `${reason}:${kind}:${pbxTenantId}`;
