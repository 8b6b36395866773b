import { Entity, Index, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { type ContactOwnerKey } from './contact-folder.entity';
import { randomUUID } from 'node:crypto';

/**
 * Which folder each synced contact came from. Outlook says nothing about the contacts of a deleted folder, and a
 * full pass after an expired delta link does not report contacts deleted meanwhile: this is how we find them.
 */
@Entity({ tableName: 'm365_contact_items' })
@Unique({ properties: ['pbxTenantId', 'owner', 'mailboxId', 'contactId'] })
@Index({ properties: ['pbxTenantId', 'owner', 'mailboxId', 'folderId'] })
export class ContactItemEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'text' })
  pbxTenantId!: string;

  @Property({ type: 'text' })
  owner!: ContactOwnerKey;

  @Property({ type: 'text' })
  mailboxId!: string;

  @Property({ type: 'text' })
  folderId!: string;

  @Property({ type: 'text' })
  contactId!: string;

  /** The folder's pass that last saw the contact. */
  @Property({ type: 'text' })
  passId!: string;
}
