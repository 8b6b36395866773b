import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { forEachLimited, MAILBOX_CONCURRENCY } from '../graph/adaptive.limiter';
import { foldersOf } from './contact-folder-tree';
import { ContactFolderTracker } from './contact-folder.tracker';
import { type ContactFolderNode } from './contact-mailbox.entity';
import { MailboxPageWriter } from './mailbox-page-writer';
import { type FolderCursor, type FolderPageInput, ContactSyncApplier } from './contact-sync.applier';
import { type StoredCursor, loadMailboxState } from './contact-folder-pages.statements';
import { planFolders } from './contact-sync.planner';
import { folderStep } from './folder-step';
import {
  type ContactSyncRunContext,
  type MailboxReport,
  type SyncMailbox,
  bump,
  newMailboxReport,
} from './contact-sync-run.context';
import { DEFAULT_FOLDER_ID, type OutlookContactFolder } from './outlook-contact';
import { type ContactDeltaPage, type MailboxGate, OutlookContactsReader } from './outlook-contacts.reader';
import { type RunIssue } from '../runs/sync-run-status';
import { SyncRunsService } from '../runs/sync-runs.service';
import { randomUUID } from 'node:crypto';

// Outlook executes at most 4 concurrent requests per app and mailbox (docs/graph-notes.md §6).
export { MAILBOX_CONCURRENCY } from '../graph/adaptive.limiter';

/**
 * Failures that say nothing about one mailbox: every other mailbox would fail the same way, so the run stops.
 */
export const RUN_LEVEL_CODES: ReadonlySet<Microsoft365ErrorCode> = new Set([
  Microsoft365ErrorCode.AuthenticationFailed,
  Microsoft365ErrorCode.CertificateExpired,
  Microsoft365ErrorCode.CertificateNotRegistered,
  Microsoft365ErrorCode.DirectoryNotFound,
  Microsoft365ErrorCode.ApplicationNotFound,
  Microsoft365ErrorCode.NotConfigured,
]);

/** One mailbox's pass over its folder tree; a second pass (after folders turned out gone) skips what is done. */
interface TreePass {
  context: ContactSyncRunContext;
  mailbox: SyncMailbox;
  gate: MailboxGate;
  report: MailboxReport;
  stored: Map<string, StoredCursor>;
  done: Set<string>;
  /** The mailbox's folder pages, written together (see MailboxPageWriter). */
  writer: MailboxPageWriter;
}

/**
 * A folder's contacts/delta answering ErrorItemNotFound: the folder was deleted after the tree was read
 * (docs/graph-notes.md §7). Other 404s (the user, the mailbox) fail the mailbox as before.
 */
function isFolderGone(error: unknown): error is Microsoft365Exception {
  return error instanceof Microsoft365Exception && error.microsoft?.code === 'ErrorItemNotFound';
}

/**
 * One mailbox through the contact sync: its folder tree (changes only, see ContactFolderTracker; removed folders
 * take their contacts with them), then every folder's delta, page by page, each page applied in one transaction with the folder's cursor. Graph I/O
 * stays outside the transactions. A mailbox that fails is reported and does not stop the others.
 */
@Injectable()
export class ContactSyncMailboxProcessor {
  private readonly logger = new Logger(ContactSyncMailboxProcessor.name);

  constructor(
    private readonly em: EntityManager,
    private readonly reader: OutlookContactsReader,
    private readonly applier: ContactSyncApplier,
    private readonly tracker: ContactFolderTracker,
  ) {}

  async process(context: ContactSyncRunContext, mailbox: SyncMailbox): Promise<MailboxReport> {
    const report = newMailboxReport(mailbox);
    // The tenant's limiter holds at most 4 requests of this mailbox at once, and a mailbox waiting for one of its
    // own slots does not hold a global one.
    const gate: MailboxGate = (request) => context.requests.run(request, [mailbox.mailboxId]);
    const { pbxTenantId } = context.run;
    try {
      // The stored tree and the folders' cursors in one statement (issue 20: statements per mailbox).
      const { tree, cursors: stored } = await loadMailboxState(
        this.em.fork(),
        pbxTenantId,
        mailbox.owner,
        mailbox.mailboxId,
      );
      const writer = new MailboxPageWriter((pages) =>
        this.em.fork().transactional((em) => this.applier.applyFolderPages(em, pages)),
      );
      const pass: TreePass = { context, mailbox, gate, report, stored, done: new Set(), writer };
      const tracked = await this.tracker.open(context, mailbox, gate, tree);
      const gone = await this.syncTree(pass, tracked.tree);
      if (gone.size > 0) {
        // Folders deleted since the tree was read: the tree again, then only the folders not synced yet.
        const again = await this.tracker.foldersGone(context, mailbox, gate, tracked, [...gone.keys()]);
        const stillGone = await this.syncTree(pass, again.tree);
        const [first] = stillGone.values();
        if (first) throw first;
      }
    } catch (error) {
      if (error instanceof Microsoft365Exception && RUN_LEVEL_CODES.has(error.code)) throw error;
      this.fail(context, mailbox, report, error);
    }
    return report;
  }

  /**
   * Removes the folders gone from the tree (with their contacts), then syncs every folder of the tree not synced
   * yet in this run. Returns the folders whose contacts/delta says they no longer exist, with that error.
   */
  private async syncTree(
    pass: TreePass,
    tree: ContactFolderNode[],
  ): Promise<Map<string, Microsoft365Exception>> {
    const { context, mailbox, report, stored } = pass;
    const folders = foldersOf(tree);
    const { removed } = planFolders(
      folders.map((f) => f.folderId),
      [...stored.keys()],
    );
    if (removed.length > 0) {
      report.deleted += await this.em
        .fork()
        .transactional((em) =>
          this.applier.removeFolders(em, context.run.pbxTenantId, mailbox.owner, mailbox.mailboxId, removed),
        );
      report.foldersRemoved += removed.length;
      for (const folderId of removed) stored.delete(folderId);
    }
    report.folders = folders.length;
    const gone = new Map<string, Microsoft365Exception>();
    await forEachLimited(
      folders.filter((folder) => !pass.done.has(folder.folderId)),
      MAILBOX_CONCURRENCY,
      async (folder) => {
        try {
          await this.folder(pass, folder, stored.get(folder.folderId));
          pass.done.add(folder.folderId);
        } catch (error) {
          if (!isFolderGone(error) || folder.folderId === DEFAULT_FOLDER_ID) throw error;
          gone.set(folder.folderId, error);
        }
      },
    );
    return gone;
  }

  private async folder(
    pass: TreePass,
    folder: OutlookContactFolder,
    stored: StoredCursor | undefined,
  ): Promise<void> {
    const { context, mailbox, gate, report, writer } = pass;
    const { run } = context;
    const initial = this.reader.initialDeltaLink(mailbox.mailboxId, folder.folderId);
    const restart = (): { link: string; cursor: FolderCursor } => {
      report.fullPasses++;
      return { link: initial, cursor: { deltaLink: null, resumeLink: null, passId: randomUUID() } };
    };
    let { link, cursor } =
      context.full || !stored || (!stored.deltaLink && !stored.resumeLink)
        ? restart()
        : {
            link: stored.resumeLink ?? stored.deltaLink ?? initial,
            cursor: { deltaLink: stored.deltaLink, resumeLink: stored.resumeLink, passId: stored.passId },
          };
    let saved: StoredCursor | undefined = stored;
    let restarted = false;
    for (;;) {
      let page: ContactDeltaPage;
      writer.reading();
      try {
        page = await this.reader.deltaPage(context.target, link, gate);
      } catch (error) {
        writer.settled();
        // Outlook forgets delta state on its own schedule (docs/graph-notes.md §7): a full pass of this
        // folder only.
        if (
          restarted ||
          !(error instanceof Microsoft365Exception) ||
          error.code !== Microsoft365ErrorCode.DeltaExpired
        )
          throw error;
        restarted = true;
        bump(run.counts, 'folders.deltaExpired');
        ({ link, cursor } = restart());
        continue;
      }
      run.progress.pagesRead++;
      let step: { next: FolderCursor; page: FolderPageInput | null };
      try {
        step = folderStep(context.run.pbxTenantId, mailbox, folder, {
          page,
          cursor,
          saved,
          isNew: stored === undefined,
        });
      } catch (error) {
        // This folder stops here: the other folders' pages must not wait for it.
        writer.settled();
        throw error;
      }
      const { next } = step;
      if (step.page) {
        const applied = await writer.write(step.page);
        report.upserted += applied.upserted;
        report.deleted += applied.deleted;
        saved = { ...next, path: folder.path };
      } else {
        // An idle round (no change, same cursor) writes nothing.
        writer.settled();
      }
      cursor = next;
      await context.progress();
      if (!page.nextLink) return;
      link = page.nextLink;
    }
  }

  private fail(
    context: ContactSyncRunContext,
    mailbox: SyncMailbox,
    report: MailboxReport,
    error: unknown,
  ): void {
    const exception =
      error instanceof Microsoft365Exception
        ? error
        : new Microsoft365Exception(
            Microsoft365ErrorCode.Internal,
            'The mailbox stopped on an unexpected error',
            {
              action: 'The next run tries again; if this repeats, report it with the run id.',
              cause: error,
            },
          );
    report.status = 'FAILED';
    report.code = exception.code;
    if (exception.microsoft?.code) report.microsoftCode = exception.microsoft.code;
    this.logger.warn(
      `Contact sync run ${context.run.id}: mailbox ${mailbox.mailboxId} failed: ${exception.code} ` +
        `(status=${exception.microsoft?.status ?? '-'}, microsoftCode=${exception.microsoft?.code ?? '-'}, ` +
        `requestId=${exception.microsoft?.requestId ?? '-'})` +
        (exception.code === Microsoft365ErrorCode.Internal && error instanceof Error
          ? `: ${error.name}: ${error.message}`
          : ''),
    );
    const issue: RunIssue & { microsoft?: unknown } = {
      objectId: mailbox.mailboxId,
      userPrincipalName: mailbox.userPrincipalName,
      severity: 'error',
      code: exception.code,
      message: `${mailbox.owner === 'company' ? 'Shared mailbox' : 'Mailbox'} not synced: ${exception.message}`,
      action: mailboxAction(exception),
      ...(exception.microsoft ? { microsoft: exception.microsoft } : {}),
    };
    report.message = issue.message;
    SyncRunsService.addIssue(context.run, issue);
  }
}

/**
 * A 403 on one mailbox is either a missing Contacts.Read permission or an Exchange application access policy (or
 * RBAC for Applications) that leaves the mailbox out; Graph answers ErrorAccessDenied for both.
 */
function mailboxAction(exception: Microsoft365Exception): string | undefined {
  if (exception.code === Microsoft365ErrorCode.PermissionMissing) {
    return (
      'Grant the application permission Contacts.Read with admin consent in Entra; if it is granted, an Exchange ' +
      'application access policy (or RBAC for Applications) keeps the app out of this mailbox: add the mailbox ' +
      "to the policy's group, or leave the user out of contact sync."
    );
  }
  if (exception.code === Microsoft365ErrorCode.GraphNotFound) {
    return 'The user or mailbox no longer exists in Microsoft 365; the next user sync catches up.';
  }
  return exception.action;
}
