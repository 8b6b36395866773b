import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { type ContactOwnerKey } from './contact-folder.entity';

/**
 * Which folder each synced contact came from. Outlook says nothing about the contacts of a deleted folder, and a
 * full pass after an expired delta link does not report contacts deleted meanwhile: this is how we find them.
 *
 * Keyed by the contact itself, with no surrogate id and no second index: a full contact sync writes one row per
 * contact, and each index is paid on every one of them (issue 20: two fewer indexes made the writes ~35 % cheaper).
 * Every statement on this table names the mailbox (the key's prefix); folder filters run within one mailbox's rows.
 */
@Entity({ tableName: 'm365_contact_items' })
export class ContactItemEntity {
  @PrimaryKey({ type: 'text' })
  pbxTenantId!: string;

  @PrimaryKey({ type: 'text' })
  owner!: ContactOwnerKey;

  @PrimaryKey({ type: 'text' })
  mailboxId!: string;

  @PrimaryKey({ type: 'text' })
  contactId!: string;

  @Property({ type: 'text' })
  folderId!: string;

  /** The folder's pass that last saw the contact. */
  @Property({ type: 'text' })
  passId!: string;
}
