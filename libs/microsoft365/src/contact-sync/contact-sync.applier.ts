import { type EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { ContactFolderEntity, type ContactOwnerKey } from './contact-folder.entity';
import { ContactItemEntity } from './contact-item.entity';
import { ContactMailboxEntity } from './contact-mailbox.entity';
import { ownerOf } from './contact-owner';
import { type FolderPagePlan, externalIdOf, mailboxPrefix } from './contact-sync.planner';
import { PBX_CONTACTS, type PbxContactsPort } from '../ports/pbx-contacts.port';

/** A PostgreSQL text[] from ONE bound parameter holding a JSON array (one parameter whatever the batch size). */
const TEXT_ARRAY = 'array(select jsonb_array_elements_text(?::jsonb))';

/** One folder's cursor after a page: the next page of the round, or the start of the next round. */
export interface FolderCursor {
  resumeLink: string | null;
  deltaLink: string | null;
  passId: string;
}

export interface FolderPageInput {
  pbxTenantId: string;
  folder: Pick<ContactFolderEntity, 'owner' | 'mailboxId' | 'folderId' | 'path' | 'userPrincipalName'>;
  plan: FolderPagePlan;
  cursor: FolderCursor;
  /** The last page of a full pass: contacts the pass did not see are gone from the folder. */
  endsFullPass: boolean;
}

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

  async applyFolderPage(em: EntityManager, input: FolderPageInput): Promise<AppliedCounts> {
    const { pbxTenantId, folder, plan, cursor } = input;
    const owner = ownerOf(folder.owner);
    const key = [pbxTenantId, folder.owner, folder.mailboxId, folder.folderId];
    await this.contacts.upsertContacts(pbxTenantId, owner, plan.upserts);
    await this.contacts.deleteContacts(pbxTenantId, owner, plan.deletes);
    if (plan.presentIds.length > 0) {
      // One statement per page: MikroORM's upsertMany spent ~12 s of CPU building SQL for 200k contacts (issue
      // 20). A contact moved in from another folder takes this folder; unchanged rows are not rewritten.
      await em.execute(
        `insert into m365_contact_items (id, pbx_tenant_id, owner, mailbox_id, folder_id, contact_id, pass_id)
         select gen_random_uuid(), ?, ?, ?, ?, x.contact_id, ?
           from jsonb_array_elements_text(?::jsonb) as x(contact_id)
         on conflict (pbx_tenant_id, owner, mailbox_id, contact_id)
         do update set folder_id = excluded.folder_id, pass_id = excluded.pass_id
         where (m365_contact_items.folder_id, m365_contact_items.pass_id)
               is distinct from (excluded.folder_id, excluded.pass_id)`,
        [...key, cursor.passId, JSON.stringify(plan.presentIds)],
      );
    }
    if (plan.goneIds.length > 0) {
      // Only from this folder: a contact moved to another folder was already recorded there.
      await em.execute(
        `delete from m365_contact_items
          where pbx_tenant_id = ? and owner = ? and mailbox_id = ? and folder_id = ? and contact_id = any(${TEXT_ARRAY})`,
        [...key, JSON.stringify(plan.goneIds)],
      );
    }
    let deleted = plan.deletes.length;
    if (input.endsFullPass) {
      const stale = await em.execute<{ contact_id: string }[]>(
        `delete from m365_contact_items
          where pbx_tenant_id = ? and owner = ? and mailbox_id = ? and folder_id = ? and pass_id <> ?
          returning contact_id`,
        [...key, cursor.passId],
      );
      if (stale.length > 0) {
        await this.contacts.deleteContacts(
          pbxTenantId,
          owner,
          stale.map((item) => externalIdOf(folder.mailboxId, item.contact_id)),
        );
        deleted += stale.length;
      }
    }
    await this.saveCursor(em, pbxTenantId, folder, cursor);
    return { upserted: plan.upserts.length, deleted };
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
        where pbx_tenant_id = ? and owner = ? and mailbox_id = ? and folder_id = any(${TEXT_ARRAY})
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
        where pbx_tenant_id = ? and owner = ? and mailbox_id = ? and folder_id = any(${TEXT_ARRAY})`,
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

  /** The folder's cursor (and path), in one statement; the caller skips it when nothing changed. */
  private async saveCursor(
    em: EntityManager,
    pbxTenantId: string,
    folder: FolderPageInput['folder'],
    cursor: FolderCursor,
  ): Promise<void> {
    await em.execute(
      `insert into m365_contact_folders
         (id, pbx_tenant_id, owner, mailbox_id, folder_id, path, user_principal_name, delta_link, resume_link,
          pass_id, updated_at)
       values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (pbx_tenant_id, owner, mailbox_id, folder_id)
       do update set path = excluded.path, user_principal_name = excluded.user_principal_name,
                     delta_link = excluded.delta_link, resume_link = excluded.resume_link,
                     pass_id = excluded.pass_id, updated_at = excluded.updated_at`,
      [
        pbxTenantId,
        folder.owner,
        folder.mailboxId,
        folder.folderId,
        folder.path,
        folder.userPrincipalName,
        cursor.deltaLink,
        cursor.resumeLink,
        cursor.passId,
        this.clock.now(),
      ],
    );
  }
}
