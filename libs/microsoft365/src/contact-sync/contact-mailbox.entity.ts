import { Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { type ContactOwnerKey } from './contact-folder.entity';

/** One contact folder below the default Contacts folder, as the mailbox's folder tree was last read. */
export interface ContactFolderNode {
  id: string;
  name: string;
  /** Outlook id of the parent folder; a parent not in the tree is the default Contacts folder. */
  parentId: string | null;
}

/**
 * The folder tree of one synced mailbox and where its next `contactFolders/delta` round starts: an incremental
 * run reads only what changed in the tree (one request when nothing did) instead of listing it level by level
 * (docs/graph-notes.md §7). Saved apart from the folders' own cursors, so a folder found in the tree is synced
 * by a later run even when its first delta page fails in this one.
 */
@Entity({ tableName: 'm365_contact_mailboxes' })
export class ContactMailboxEntity {
  @PrimaryKey({ type: 'text' })
  pbxTenantId!: string;

  @PrimaryKey({ type: 'text' })
  owner!: ContactOwnerKey;

  @PrimaryKey({ type: 'text' })
  mailboxId!: string;

  /** Null where Microsoft offers no folder delta (21Vianet) or a new round must start. Bears sync state. */
  @Property({ type: 'text', nullable: true, hidden: true })
  foldersDeltaLink: string | null = null;

  @Property({ type: 'json' })
  folders: ContactFolderNode[] & Opt = [];

  @Property({ type: 'datetime' })
  updatedAt: Date & Opt = new Date();
}
