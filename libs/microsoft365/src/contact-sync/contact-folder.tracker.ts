import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { applyFolderChanges, sameTree, withoutFolders } from './contact-folder-tree';
import { executeBound } from '../common/bound-statement';
import { type StoredTree } from './contact-folder-pages.statements';
import { type ContactFolderNode } from './contact-mailbox.entity';
import { type ContactSyncRunContext, type SyncMailbox, bump } from './contact-sync-run.context';
import { type MailboxGate, OutlookContactsReader } from './outlook-contacts.reader';
import { Microsoft365Cloud } from '../settings/microsoft365-cloud';

/** A mailbox's folder tree for this run, and how it was obtained. */
export interface TrackedTree {
  tree: ContactFolderNode[];
  deltaLink: string | null;
  /** The whole tree was read from Microsoft in this run (a new folder delta round, or the listing). */
  fresh: boolean;
}

/**
 * Knows each synced mailbox's contact folder tree without listing it on every run (docs/graph-notes.md §7).
 * Where Microsoft offers `contactFolders/delta`, an incremental run reads what changed since the stored
 * deltaLink: one request when nothing did. 21Vianet does not offer it: there the tree is listed on full runs,
 * for a new mailbox, and when a folder turns out to be gone; other runs reuse the stored tree.
 */
@Injectable()
export class ContactFolderTracker {
  constructor(
    private readonly em: EntityManager,
    private readonly reader: OutlookContactsReader,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** `stored`: the tree as the mailbox's last run left it (see loadMailboxState), null for a new mailbox. */
  async open(
    context: ContactSyncRunContext,
    mailbox: SyncMailbox,
    gate: MailboxGate,
    stored: StoredTree | null,
  ): Promise<TrackedTree> {
    let tracked: TrackedTree;
    if (!hasFolderDelta(context)) {
      tracked =
        context.full || !stored
          ? await this.list(context, mailbox, gate)
          : { tree: stored.folders, deltaLink: null, fresh: false };
    } else {
      const link = context.full ? null : (stored?.foldersDeltaLink ?? null);
      tracked =
        link === null
          ? await this.newRound(context, mailbox, gate)
          : await this.changes(context, mailbox, gate, stored?.folders ?? [], link);
    }
    await this.save(context, mailbox, tracked, stored);
    return tracked;
  }

  /**
   * Folders whose contacts/delta answered ErrorItemNotFound are gone. Without folder delta the tree is listed
   * again (unless it just was), to find what replaced them; with it, they leave the tree and the next run starts
   * a new folder round, which also sees anything the folder delta may not have reported.
   */
  async foldersGone(
    context: ContactSyncRunContext,
    mailbox: SyncMailbox,
    gate: MailboxGate,
    tracked: TrackedTree,
    gone: readonly string[],
  ): Promise<TrackedTree> {
    bump(context.run.counts, 'folders.gone', gone.length);
    const next =
      !hasFolderDelta(context) && !tracked.fresh
        ? await this.list(context, mailbox, gate)
        : { tree: withoutFolders(tracked.tree, gone), deltaLink: null, fresh: tracked.fresh };
    await this.save(context, mailbox, next, { folders: tracked.tree, foldersDeltaLink: tracked.deltaLink });
    return next;
  }

  private async list(
    context: ContactSyncRunContext,
    mailbox: SyncMailbox,
    gate: MailboxGate,
  ): Promise<TrackedTree> {
    bump(context.run.counts, 'folders.treeListed');
    return {
      tree: await this.reader.folders(context.target, mailbox.mailboxId, gate),
      deltaLink: null,
      fresh: true,
    };
  }

  private async newRound(
    context: ContactSyncRunContext,
    mailbox: SyncMailbox,
    gate: MailboxGate,
  ): Promise<TrackedTree> {
    const round = await this.reader.folderChanges(context.target, mailbox.mailboxId, null, gate);
    return { tree: applyFolderChanges([], round.changes), deltaLink: round.deltaLink, fresh: true };
  }

  private async changes(
    context: ContactSyncRunContext,
    mailbox: SyncMailbox,
    gate: MailboxGate,
    tree: ContactFolderNode[],
    link: string,
  ): Promise<TrackedTree> {
    try {
      const round = await this.reader.folderChanges(context.target, mailbox.mailboxId, link, gate);
      return { tree: applyFolderChanges(tree, round.changes), deltaLink: round.deltaLink, fresh: false };
    } catch (error) {
      // Outlook forgets delta state on its own schedule (docs/graph-notes.md §7): a new round reads every folder.
      if (!(error instanceof Microsoft365Exception) || error.code !== Microsoft365ErrorCode.DeltaExpired)
        throw error;
      bump(context.run.counts, 'folders.treeDeltaExpired');
      return this.newRound(context, mailbox, gate);
    }
  }

  /** Only when the tree or the link changed: an idle run writes nothing. */
  private async save(
    context: ContactSyncRunContext,
    mailbox: SyncMailbox,
    tracked: TrackedTree,
    stored: StoredTree | null,
  ): Promise<void> {
    if (stored && stored.foldersDeltaLink === tracked.deltaLink && sameTree(stored.folders, tracked.tree))
      return;
    const key = this.key(context, mailbox);
    await executeBound(
      this.em.fork(),
      `insert into m365_contact_mailboxes (pbx_tenant_id, owner, mailbox_id, folders_delta_link, folders, updated_at)
       values (?, ?, ?, ?, ?::jsonb, ?::timestamptz)
       on conflict (pbx_tenant_id, owner, mailbox_id)
       do update set folders_delta_link = excluded.folders_delta_link, folders = excluded.folders,
                     updated_at = excluded.updated_at`,
      [
        key.pbxTenantId,
        key.owner,
        key.mailboxId,
        tracked.deltaLink,
        JSON.stringify(tracked.tree),
        this.clock.now().toISOString(),
      ],
    );
  }

  private key(context: ContactSyncRunContext, mailbox: SyncMailbox) {
    return { pbxTenantId: context.run.pbxTenantId, owner: mailbox.owner, mailboxId: mailbox.mailboxId };
  }
}

/**
 * `contactFolders/delta` is marked unavailable in the China cloud operated by 21Vianet
 * (https://learn.microsoft.com/en-us/graph/api/contactfolder-delta, docs/graph-notes.md §2).
 */
function hasFolderDelta(context: ContactSyncRunContext): boolean {
  return context.target.cloud !== Microsoft365Cloud.China;
}
