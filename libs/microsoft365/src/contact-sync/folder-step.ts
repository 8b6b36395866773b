import {
  type FolderCursor,
  type FolderPageInput,
  type StoredCursor,
} from './contact-folder-pages.statements';
import { planFolderPage } from './contact-sync.planner';
import { type SyncMailbox } from './contact-sync-run.context';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { type OutlookContactFolder } from './outlook-contact';
import { type ContactDeltaPage } from './outlook-contacts.reader';

/**
 * What a delta page does to its folder: the cursor after it, and the page to write; null when the round is idle
 * (no change, the same cursor), which writes nothing.
 */
export function folderStep(
  pbxTenantId: string,
  mailbox: SyncMailbox,
  folder: OutlookContactFolder,
  read: { page: ContactDeltaPage; cursor: FolderCursor; saved: StoredCursor | undefined; isNew: boolean },
): { next: FolderCursor; page: FolderPageInput | null } {
  const { page, cursor, saved } = read;
  if (!page.nextLink && !page.deltaLink) {
    throw new Microsoft365Exception(
      Microsoft365ErrorCode.GraphRequestFailed,
      'Outlook ended a contacts delta page without a nextLink or deltaLink',
      { action: 'A temporary problem at Microsoft is likely; the next run tries again.' },
    );
  }
  const next: FolderCursor = page.nextLink
    ? { deltaLink: cursor.deltaLink, resumeLink: page.nextLink, passId: cursor.passId }
    : { deltaLink: page.deltaLink ?? null, resumeLink: null, passId: cursor.passId };
  const plan = planFolderPage(mailbox.mailboxId, page.entries);
  // A round without a delta link yet is a full pass: its last page tells which contacts are gone.
  const endsFullPass = cursor.deltaLink === null && !page.nextLink;
  const unchanged =
    saved !== undefined &&
    saved.deltaLink === next.deltaLink &&
    saved.resumeLink === next.resumeLink &&
    saved.passId === next.passId &&
    saved.path === folder.path;
  if (plan.upserts.length === 0 && plan.deletes.length === 0 && !endsFullPass && unchanged)
    return { next, page: null };
  return {
    next,
    page: {
      pbxTenantId,
      folder: {
        owner: mailbox.owner,
        mailboxId: mailbox.mailboxId,
        folderId: folder.folderId,
        path: folder.path,
        userPrincipalName: mailbox.userPrincipalName,
      },
      plan,
      cursor: next,
      // A folder never synced before has no contacts recorded that its first pass could have missed.
      endsFullPass: endsFullPass && !read.isNew,
    },
  };
}
