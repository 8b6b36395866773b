import { type AdaptiveLimiter } from '../graph/adaptive.limiter';
import { type ContactOwnerKey } from './contact-folder.entity';
import { type GraphTarget } from '../graph/graph-api.service';
import { type SyncRunEntity } from '../runs/sync-run.entity';

/** One mailbox a run syncs, and whose address book it feeds. */
export interface SyncMailbox {
  owner: ContactOwnerKey;
  mailboxId: string;
  userPrincipalName: string | null;
}

/** One line per mailbox in the run report (the run's `plan`): what happened to it, with counts. */
export interface MailboxReport {
  mailbox: string | null;
  objectId: string;
  owner: 'user' | 'company';
  pbxUserId: string | null;
  status: 'SYNCED' | 'FAILED' | 'REMOVED';
  folders: number;
  foldersRemoved: number;
  fullPasses: number;
  upserted: number;
  deleted: number;
  /** Why it failed: our code, and Microsoft's. */
  code?: string;
  microsoftCode?: string;
  /** Why it failed, in words. */
  message?: string;
}

export interface ContactSyncRunContext {
  run: SyncRunEntity;
  target: GraphTarget;
  /** Every folder is read in full (requested by the admin). */
  full: boolean;
  /** Graph requests in flight for the tenant, across mailboxes, at most 4 per mailbox (the tenant's limiter). */
  requests: AdaptiveLimiter;
  /** Saves progress now and then (the run's heartbeat). */
  progress(): Promise<void>;
  /** Saves progress now (also the heartbeat). */
  heartbeat(): Promise<void>;
}

export function newMailboxReport(mailbox: SyncMailbox): MailboxReport {
  return {
    mailbox: mailbox.userPrincipalName,
    objectId: mailbox.mailboxId,
    owner: mailbox.owner === 'company' ? 'company' : 'user',
    pbxUserId: mailbox.owner === 'company' ? null : mailbox.owner.slice('user:'.length),
    status: 'SYNCED',
    folders: 0,
    foldersRemoved: 0,
    fullPasses: 0,
    upserted: 0,
    deleted: 0,
  };
}

export function bump(counts: Record<string, number>, key: string, by = 1): void {
  if (by !== 0) counts[key] = (counts[key] ?? 0) + by;
}
