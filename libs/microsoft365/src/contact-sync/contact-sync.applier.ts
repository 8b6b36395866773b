import { type EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { executeBound } from '../common/bound-statement';
import {
  type FolderPageInput,
  deleteStaleItems,
  saveItemsAndCursors,
} from './contact-folder-pages.statements';
import { ContactFolderEntity, type ContactOwnerKey } from './contact-folder.entity';
import { ContactItemEntity } from './contact-item.entity';
import { ContactMailboxEntity } from './contact-mailbox.entity';
import { ownerOf } from './contact-owner';
import { externalIdOf, mailboxPrefix } from './contact-sync.planner';
import { PBX_CONTACTS, type PbxContactsPort } from '../ports/pbx-contacts.port';

export { type FolderCursor, type FolderPageInput } from './contact-folder-pages.statements';

/**
 * "Is one of" a list bound as ONE jsonb parameter (one statement text whatever the batch size): a subquery, which
 * PostgreSQL probes through the index or hashes, where `= any(array(...))` is compared element by element (see
 * page-links.ts).
 */
const IN_TEXT = 'in (select jsonb_array_elements_text(?::jsonb))';

export interface AppliedCounts {
  upserted: number;
  deleted: number;
}

/**
 * Writes through the host's contacts port and our own bookkeeping in the caller's transaction: a folder page's
 * contacts, their folder, and the folder's delta cursor commit or roll back together.
 */
@Injectable()
export class ContactSyncApplier {
  constructor(
    @Inject(PBX_CONTACTS) private readonly contacts: PbxContactsPort,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Pages of one mailbox's folders (one page per folder at most), each with its folder's cursor, in the order
   * they were read. Pages that only add or change contacts (a first or full pass, most incremental rounds) are
   * written together: one upsert through the port and one statement each for the records and for the stale
   * contacts, whatever the number of pages. A page with deletions is applied on its own, in order, so a contact
   * moved from one folder to another ends as the later page says.
   */
  async applyFolderPages(em: EntityManager, pages: readonly FolderPageInput[]): Promise<AppliedCounts[]> {
    const [first] = pages;
    if (!first) return [];
    if (
      pages.length > 1 &&
      pages.some((page) => page.plan.deletes.length > 0 || page.plan.goneIds.length > 0)
    ) {
      const counts: AppliedCounts[] = [];
      for (const page of pages) counts.push(...(await this.applyFolderPages(em, [page])));
      return counts;
    }
    const owner = ownerOf(first.folder.owner);
    // One contact per external id in a call, as with a single page: a contact moved between two folders read
    // together is in both pages, and a host's upsert may not touch a row twice (the later page wins, as for the
    // items below).
    const upserts =
      pages.length === 1
        ? first.plan.upserts
        : [...new Map(pages.flatMap((page) => page.plan.upserts).map((c) => [c.externalId, c])).values()];
    await this.contacts.upsertContacts(first.pbxTenantId, owner, upserts);
    await this.contacts.deleteContacts(first.pbxTenantId, owner, first.plan.deletes);
    // Before the search for stale contacts below: it keeps the contacts these pages mark with their pass.
    await saveItemsAndCursors(em, pages, this.clock.now());
    if (first.plan.goneIds.length > 0) {
      // Only from this folder: a contact moved to another folder was already recorded there.
      await executeBound(
        em,
        `delete from m365_contact_items
          where pbx_tenant_id = ? and owner = ? and mailbox_id = ? and folder_id = ? and contact_id ${IN_TEXT}`,
        [
          first.pbxTenantId,
          first.folder.owner,
          first.folder.mailboxId,
          first.folder.folderId,
          JSON.stringify(first.plan.goneIds),
        ],
      );
    }
    const stale = await deleteStaleItems(em, pages);
    if (stale.size > 0) {
      await this.contacts.deleteContacts(
        first.pbxTenantId,
        owner,
        [...stale.values()].flat().map((contactId) => externalIdOf(first.folder.mailboxId, contactId)),
      );
    }
    return pages.map((page) => ({
      upserted: page.plan.upserts.length,
      deleted: page.plan.deletes.length + (stale.get(page.folder.folderId)?.length ?? 0),
    }));
  }

  /** Folders gone from the mailbox: their contacts are deleted in the PBX, their cursors dropped. */
  async removeFolders(
    em: EntityManager,
    pbxTenantId: string,
    owner: ContactOwnerKey,
    mailboxId: string,
    folderIds: readonly string[],
  ): Promise<number> {
    if (folderIds.length === 0) return 0;
    const key = [pbxTenantId, owner, mailboxId, JSON.stringify(folderIds)];
    const items = await em.execute<{ contact_id: string }[]>(
      `delete from m365_contact_items
        where pbx_tenant_id = ? and owner = ? and mailbox_id = ? and folder_id ${IN_TEXT}
        returning contact_id`,
      key,
    );
    await this.contacts.deleteContacts(
      pbxTenantId,
      ownerOf(owner),
      items.map((item) => externalIdOf(mailboxId, item.contact_id)),
    );
    await em.execute(
      `delete from m365_contact_folders
        where pbx_tenant_id = ? and owner = ? and mailbox_id = ? and folder_id ${IN_TEXT}`,
      key,
    );
    return items.length;
  }

  /**
   * A mailbox no longer synced (the user left the scope, their link is no longer active, the shared mailbox was
   * taken off the list): every contact synced from it goes, including any the host holds that we lost track of.
   */
  async removeMailbox(
    em: EntityManager,
    pbxTenantId: string,
    owner: ContactOwnerKey,
    mailboxId: string,
  ): Promise<number> {
    const pbxOwner = ownerOf(owner);
    const prefix = mailboxPrefix(mailboxId);
    const externalIds = (await this.contacts.listExternalIds(pbxTenantId, pbxOwner)).filter((id) =>
      id.startsWith(prefix),
    );
    await this.contacts.deleteContacts(pbxTenantId, pbxOwner, externalIds);
    await em.nativeDelete(ContactItemEntity, { pbxTenantId, owner, mailboxId });
    await em.nativeDelete(ContactFolderEntity, { pbxTenantId, owner, mailboxId });
    await em.nativeDelete(ContactMailboxEntity, { pbxTenantId, owner, mailboxId });
    return externalIds.length;
  }
}
