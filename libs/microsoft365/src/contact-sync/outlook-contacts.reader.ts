import { Injectable } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { type ContactFolderChange } from './contact-folder-tree';
import { type ContactFolderNode } from './contact-mailbox.entity';
import {
  CONTACT_SELECT,
  DEFAULT_FOLDER_ID,
  type OutlookContactEntry,
  toOutlookContactEntry,
} from './outlook-contact';
import { GraphApi, type GraphCollectionPage, type GraphTarget } from '../graph/graph-api.service';

/** Contacts per delta page: Outlook's maximum and default for contact delta (docs/graph-notes.md §7). */
export const CONTACT_PAGE_SIZE = 200;

/** Folders per page: Outlook's default page is 10, which would cost a request per 10 folders. */
const FOLDER_PAGE_SIZE = 100;

interface FolderEntry {
  id: string;
  displayName?: string;
  parentFolderId?: string;
  '@removed'?: unknown;
}

const USERS_PAGE_SIZE = 999;

/** Wraps each Graph request of one mailbox, to keep within Outlook's per-mailbox concurrency. */
export type MailboxGate = <T>(request: () => Promise<T>) => Promise<T>;

const direct: MailboxGate = (request) => request();

export interface ContactDeltaPage {
  entries: OutlookContactEntry[];
  /** The next page of this round; absent on the last page. */
  nextLink?: string;
  /** Present on the last page only: where the next round starts. */
  deltaLink?: string;
}

export interface ResolvedMailbox {
  objectId: string;
  userPrincipalName: string;
  displayName: string | null;
  /** mailboxSettings.userPurpose: user, shared, room, ...; null when it could not be read. */
  userPurpose: string | null;
}

export interface MailboxLookupFailure {
  userPrincipalName: string;
  error: Microsoft365Exception;
}

export interface SharedMailboxCandidate {
  objectId: string;
  userPrincipalName: string;
  displayName: string | null;
}

/** All Graph reads of the contact sync. Nothing else in contact-sync talks to Graph. */
@Injectable()
export class OutlookContactsReader {
  constructor(private readonly graph: GraphApi) {}

  /**
   * Every contact folder below the default folder, at any depth (peers sync the default folder only, and their
   * users miss the contacts they sorted into sub-folders), listed level by level: where Microsoft offers no
   * folder delta (21Vianet, docs/graph-notes.md §7).
   */
  async folders(
    target: GraphTarget,
    mailboxId: string,
    gate: MailboxGate = direct,
  ): Promise<ContactFolderNode[]> {
    const base = `/users/${encodeURIComponent(mailboxId)}`;
    const result: ContactFolderNode[] = [];
    let level = await this.folderList(target, `${base}/contactFolders?$top=${FOLDER_PAGE_SIZE}`, null, gate);
    while (level.length > 0) {
      result.push(...level);
      // One level at a time, its folders in parallel (the gate keeps it within the mailbox's limit).
      const children = await Promise.all(
        level.map((folder) =>
          this.folderList(
            target,
            `${base}/contactFolders/${encodeURIComponent(folder.id)}/childFolders?$top=${FOLDER_PAGE_SIZE}`,
            folder.id,
            gate,
          ),
        ),
      );
      level = children.flat();
    }
    return result;
  }

  /**
   * One whole `contactFolders/delta` round (docs/graph-notes.md §7): from the stored deltaLink, or a new round
   * (every folder) without one. Folder changes are few, so the round's pages are read at once.
   * DELTA_EXPIRED when Outlook no longer knows the link (410).
   */
  async folderChanges(
    target: GraphTarget,
    mailboxId: string,
    deltaLink: string | null,
    gate: MailboxGate = direct,
  ): Promise<{ changes: ContactFolderChange[]; deltaLink: string }> {
    const changes: ContactFolderChange[] = [];
    let link =
      deltaLink ??
      `/users/${encodeURIComponent(mailboxId)}/contactFolders/delta?$select=displayName,parentFolderId`;
    for (;;) {
      const current = link;
      const page = await gate(() =>
        this.graph.get<GraphCollectionPage<FolderEntry>>(target, current, {
          Prefer: `odata.maxpagesize=${FOLDER_PAGE_SIZE}`,
        }),
      );
      for (const entry of page.value) {
        changes.push(
          entry['@removed']
            ? { id: entry.id, removed: true }
            : { id: entry.id, name: entry.displayName ?? '', parentId: entry.parentFolderId ?? null },
        );
      }
      if (page['@odata.deltaLink']) return { changes, deltaLink: page['@odata.deltaLink'] };
      if (!page['@odata.nextLink'])
        throw unexpected('Outlook ended a contactFolders/delta page without a link');
      link = page['@odata.nextLink'];
    }
  }

  /** Where a folder's first (full) delta round starts. */
  initialDeltaLink(mailboxId: string, folderId: string): string {
    const base = `/users/${encodeURIComponent(mailboxId)}`;
    const folder =
      folderId === DEFAULT_FOLDER_ID
        ? `${base}/contacts`
        : `${base}/contactFolders/${encodeURIComponent(folderId)}/contacts`;
    return `${folder}/delta?$select=${CONTACT_SELECT}`;
  }

  /** One page of a folder's delta round. DELTA_EXPIRED when Outlook no longer knows the link (410). */
  async deltaPage(target: GraphTarget, link: string, gate: MailboxGate = direct): Promise<ContactDeltaPage> {
    const page = await gate(() =>
      this.graph.get<GraphCollectionPage<Record<string, unknown>>>(target, link, {
        // Delta takes no $top; the page size is a preference (docs/graph-notes.md §7).
        Prefer: `odata.maxpagesize=${CONTACT_PAGE_SIZE}`,
      }),
    );
    return {
      entries: page.value.map(toOutlookContactEntry),
      ...(page['@odata.nextLink'] ? { nextLink: page['@odata.nextLink'] } : {}),
      ...(page['@odata.deltaLink'] ? { deltaLink: page['@odata.deltaLink'] } : {}),
    };
  }

  /**
   * Shared mailboxes named by UPN: object id and userPurpose, 20 lookups per `$batch`. The purpose needs
   * MailboxSettings.Read; it keeps a user's personal mailbox from being published as company contacts by mistake.
   */
  async resolveMailboxes(
    target: GraphTarget,
    userPrincipalNames: readonly string[],
  ): Promise<{ found: ResolvedMailbox[]; failed: MailboxLookupFailure[] }> {
    const results = await this.graph.batchGet(
      target,
      userPrincipalNames.flatMap((upn, index) => [
        {
          id: `u${index}`,
          url: `/users/${encodeURIComponent(upn)}?$select=id,userPrincipalName,displayName`,
        },
        { id: `p${index}`, url: `/users/${encodeURIComponent(upn)}/mailboxSettings/userPurpose` },
      ]),
    );
    const found: ResolvedMailbox[] = [];
    const failed: MailboxLookupFailure[] = [];
    userPrincipalNames.forEach((upn, index) => {
      const user = results.get(`u${index}`);
      const purpose = results.get(`p${index}`);
      if (!user || !purpose) {
        failed.push({ userPrincipalName: upn, error: unexpected('Graph left a mailbox lookup unanswered') });
      } else if (!user.ok) {
        failed.push({ userPrincipalName: upn, error: user.error });
      } else if (!purpose.ok) {
        failed.push({ userPrincipalName: upn, error: purpose.error });
      } else {
        const body = user.body as { id: string; userPrincipalName: string; displayName?: string | null };
        found.push({
          objectId: body.id,
          userPrincipalName: body.userPrincipalName,
          displayName: body.displayName ?? null,
          userPurpose: (purpose.body as { value?: string }).value ?? null,
        });
      }
    });
    return { found, failed };
  }

  /**
   * Mailboxes the admin may pick as shared: shared mailboxes are disabled accounts whose mailbox purpose is
   * `shared` (docs/graph-notes.md §7), so only disabled accounts are asked for their purpose.
   */
  async sharedMailboxCandidates(target: GraphTarget): Promise<SharedMailboxCandidate[]> {
    const disabled: SharedMailboxCandidate[] = [];
    for await (const page of this.graph.pages<{
      id: string;
      userPrincipalName: string;
      displayName?: string | null;
    }>(
      target,
      `/users?$filter=accountEnabled eq false&$select=id,userPrincipalName,displayName&$top=${USERS_PAGE_SIZE}`,
    )) {
      for (const user of page.value) {
        disabled.push({
          objectId: user.id,
          userPrincipalName: user.userPrincipalName,
          displayName: user.displayName ?? null,
        });
      }
    }
    const purposes = await this.graph.batchGet(
      target,
      disabled.map((user) => ({
        id: user.objectId,
        url: `/users/${encodeURIComponent(user.objectId)}/mailboxSettings/userPurpose`,
      })),
    );
    return disabled.filter((user) => {
      const purpose = purposes.get(user.objectId);
      if (purpose?.ok) return (purpose.body as { value?: string }).value === 'shared';
      // A disabled account without a mailbox is simply not a candidate; a missing permission is worth saying.
      if (purpose && purpose.error.code === Microsoft365ErrorCode.PermissionMissing) throw purpose.error;
      return false;
    });
  }

  /** Departments of every user, for the department filter of the scope: ceil(N/999) requests. */
  async departments(target: GraphTarget): Promise<Map<string, string | null>> {
    const departments = new Map<string, string | null>();
    for await (const page of this.graph.pages<{ id: string; department?: string | null }>(
      target,
      `/users?$select=id,department&$top=${USERS_PAGE_SIZE}`,
    )) {
      for (const user of page.value) departments.set(user.id, user.department ?? null);
    }
    return departments;
  }

  private async folderList(
    target: GraphTarget,
    path: string,
    parentId: string | null,
    gate: MailboxGate,
  ): Promise<ContactFolderNode[]> {
    const folders: ContactFolderNode[] = [];
    let next: string | undefined = path;
    while (next) {
      const link: string = next;
      const page = await gate(() => this.graph.get<GraphCollectionPage<FolderEntry>>(target, link));
      for (const folder of page.value) {
        folders.push({
          id: folder.id,
          name: folder.displayName ?? '',
          parentId: parentId ?? folder.parentFolderId ?? null,
        });
      }
      next = page['@odata.nextLink'];
    }
    return folders;
  }
}

function unexpected(message: string): Microsoft365Exception {
  return new Microsoft365Exception(Microsoft365ErrorCode.GraphRequestFailed, message, {
    action: 'A temporary problem at Microsoft is likely; the next run tries again.',
  });
}
