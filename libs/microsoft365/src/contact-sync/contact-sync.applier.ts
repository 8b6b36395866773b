import { type EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { ContactFolderEntity, type ContactOwnerKey } from './contact-folder.entity';
import { ContactItemEntity } from './contact-item.entity';
import { ownerOf } from './contact-owner';
import { type FolderPagePlan, externalIdOf, mailboxPrefix } from './contact-sync.planner';
import { PBX_CONTACTS, type PbxContactsPort } from '../ports/pbx-contacts.port';

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
    const key = { pbxTenantId, owner: folder.owner, mailboxId: folder.mailboxId };
    await this.contacts.upsertContacts(pbxTenantId, owner, plan.upserts);
    await this.contacts.deleteContacts(pbxTenantId, owner, plan.deletes);
    if (plan.presentIds.length > 0) {
      await em.upsertMany(
        ContactItemEntity,
        plan.presentIds.map((contactId) =>
          Object.assign(new ContactItemEntity(), {
            ...key,
            folderId: folder.folderId,
            contactId,
            passId: cursor.passId,
          }),
        ),
        {
          onConflictFields: ['pbxTenantId', 'owner', 'mailboxId', 'contactId'],
          onConflictMergeFields: ['folderId', 'passId'],
        },
      );
    }
    if (plan.goneIds.length > 0) {
      // Only from this folder: a contact moved to another folder was already recorded there.
      await em.nativeDelete(ContactItemEntity, {
        ...key,
        folderId: folder.folderId,
        contactId: { $in: plan.goneIds },
      });
    }
    let deleted = plan.deletes.length;
    if (input.endsFullPass) {
      const stale = await em.find(
        ContactItemEntity,
        { ...key, folderId: folder.folderId, passId: { $ne: cursor.passId } },
        { fields: ['contactId'] },
      );
      if (stale.length > 0) {
        await this.contacts.deleteContacts(
          pbxTenantId,
          owner,
          stale.map((item) => externalIdOf(folder.mailboxId, item.contactId)),
        );
        await em.nativeDelete(ContactItemEntity, { id: { $in: stale.map((item) => item.id) } });
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
    const key = { pbxTenantId, owner, mailboxId, folderId: { $in: [...folderIds] } };
    const items = await em.find(ContactItemEntity, key, { fields: ['contactId'] });
    await this.contacts.deleteContacts(
      pbxTenantId,
      ownerOf(owner),
      items.map((item) => externalIdOf(mailboxId, item.contactId)),
    );
    await em.nativeDelete(ContactItemEntity, key);
    await em.nativeDelete(ContactFolderEntity, key);
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
    return externalIds.length;
  }

  /** Only the cursor columns, and only when they changed: an idle round writes nothing. */
  private async saveCursor(
    em: EntityManager,
    pbxTenantId: string,
    folder: FolderPageInput['folder'],
    cursor: FolderCursor,
  ): Promise<void> {
    const row = Object.assign(new ContactFolderEntity(), {
      pbxTenantId,
      owner: folder.owner,
      mailboxId: folder.mailboxId,
      folderId: folder.folderId,
      path: folder.path,
      userPrincipalName: folder.userPrincipalName,
      deltaLink: cursor.deltaLink,
      resumeLink: cursor.resumeLink,
      passId: cursor.passId,
      updatedAt: this.clock.now(),
    });
    await em.upsert(ContactFolderEntity, row, {
      onConflictFields: ['pbxTenantId', 'owner', 'mailboxId', 'folderId'],
      onConflictMergeFields: ['path', 'userPrincipalName', 'deltaLink', 'resumeLink', 'passId', 'updatedAt'],
    });
  }
}
