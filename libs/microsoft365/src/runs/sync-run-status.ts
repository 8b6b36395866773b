export enum SyncKind {
  Users = 'USERS',
  Contacts = 'CONTACTS',
  Groups = 'GROUPS',
}

export enum RunTrigger {
  Manual = 'MANUAL',
  Schedule = 'SCHEDULE',
  OnDemand = 'ON_DEMAND',
  /** An admin confirmed the leavers a deletion guard had held back. */
  Confirmation = 'CONFIRMATION',
  /** Change notifications from Microsoft woke an incremental run (debounced: many notifications, one run). */
  Notification = 'NOTIFICATION',
}

export enum RunMode {
  Full = 'FULL',
  Incremental = 'INCREMENTAL',
}

export enum RunStatus {
  Running = 'RUNNING',
  Succeeded = 'SUCCEEDED',
  /** Finished, but some users failed; each failure is in `issues`. */
  CompletedWithErrors = 'COMPLETED_WITH_ERRORS',
  Failed = 'FAILED',
}

export enum DeletionGuardState {
  /** Waiting for an admin to confirm or reject the staged leavers. */
  Pending = 'PENDING',
  Confirmed = 'CONFIRMED',
  Rejected = 'REJECTED',
  /** A later run decided afresh; these staged actions no longer apply. */
  Superseded = 'SUPERSEDED',
}

/** One line of a run's report about a single user: why it was skipped, or what failed. */
export interface RunIssue {
  objectId: string;
  userPrincipalName: string | null;
  severity: 'skip' | 'error';
  code: string;
  message: string;
  action?: string;
}

export interface RunProgress {
  pagesRead: number;
  usersRead: number;
  usersProcessed: number;
}

export interface RunGraphUsage {
  requests: number;
  retries: number;
  throttled: number;
  waitedMs: number;
}
