import { RunTrigger } from '../runs/sync-run-status';

/** A scheduled run makes a full pass when the last one is older than this: photos and drift are only seen so. */
export const FULL_RUN_EVERY_MS = 24 * 3600_000;

/** What an admin may ask of a manual run; other triggers ask nothing and get the cheapest run that is correct. */
export type RequestedRunMode = 'full' | 'incremental';

export interface RunModeInput {
  trigger: RunTrigger;
  requested?: RequestedRunMode;
  /** The stored cursor, or null before the first run. */
  deltaLink: string | null;
  /** Whether the cursor was taken under the scope settings in effect (`scopeFingerprint`). */
  sameScope: boolean;
  lastFullRunAt: Date | null;
  now: Date;
}

/**
 * Why a run reads every user (`/users?$top=999`, ceil(N/999) requests) instead of following the delta link, or
 * null for an incremental run. Delta only returns what changed in Microsoft 365
 * (https://learn.microsoft.com/en-us/graph/delta-query-users): a PBX user deleted or edited in the PBX never shows
 * there, so only a full pass restores it. An admin's "sync now" is that full pass unless they ask for incremental,
 * as 3CX and PortSIP do; notification and polling runs stay incremental, with one scheduled full pass a day.
 */
export function fullRunReason(input: RunModeInput): string | null {
  if (input.trigger === RunTrigger.OnDemand || input.trigger === RunTrigger.Confirmation) return null;
  if (input.requested === 'full') return 'A full run was requested';
  if (!input.deltaLink) return 'First run: every user is read';
  if (!input.sameScope) return 'The scope, numbering or field ownership settings changed';
  if (input.trigger === RunTrigger.Manual && input.requested !== 'incremental') {
    return 'Sync now reconciles fully: users deleted or edited in the PBX are restored (mode "incremental" reads only the changes)';
  }
  const lastFull = input.lastFullRunAt?.getTime() ?? 0;
  if (input.trigger === RunTrigger.Schedule && input.now.getTime() - lastFull > FULL_RUN_EVERY_MS) {
    return 'Daily full pass (photos and changes made in the PBX are only seen by a full pass)';
  }
  return null;
}

/**
 * Run counts that mean PBX users changed. A re-enabled user is counted as `updated` too (and `reEnabled`), a
 * "keep" leaver changes nothing in the PBX.
 */
const USER_CHANGES = ['created', 'linked', 'updated', 'disabled', 'deleted'] as const;

/** How many PBX users a run changed; a contact sync chained to the user sync only follows a run that did. */
export function changedUsers(counts: Readonly<Record<string, number>>): number {
  return USER_CHANGES.reduce((sum, key) => sum + (counts[key] ?? 0), 0);
}
