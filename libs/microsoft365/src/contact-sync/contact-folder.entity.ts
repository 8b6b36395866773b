import { Entity, Index, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/** `company` for a shared mailbox, `user:<PBX user id>` for a personal one. */
export type ContactOwnerKey = 'company' | `user:${string}`;

/**
 * One contact folder we sync, with its own delta cursor: Outlook deltas are per folder. The cursor row is written
 * in the same transaction as the folder page's contacts, so a crash never loses or replays a change twice.
 */
@Entity({ tableName: 'm365_contact_folders' })
@Unique({ properties: ['pbxTenantId', 'owner', 'mailboxId', 'folderId'] })
@Index({ properties: ['pbxTenantId', 'owner', 'mailboxId'] })
export class ContactFolderEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'text' })
  pbxTenantId!: string;

  @Property({ type: 'text' })
  owner!: ContactOwnerKey;

  /** Object id of the mailbox's user (immutable, unlike the UPN). */
  @Property({ type: 'text' })
  mailboxId!: string;

  /** Last UPN seen, for people reading the data; matching always uses the object id. */
  @Property({ type: 'text', nullable: true })
  userPrincipalName: string | null = null;

  /** Outlook folder id, or `default` for the default Contacts folder. */
  @Property({ type: 'text' })
  folderId!: string;

  @Property({ type: 'text' })
  path: string & Opt = '';

  /** Where the next round starts; null = the next round is a full pass of the folder. Bears sync state: hidden. */
  @Property({ type: 'text', nullable: true, hidden: true })
  deltaLink: string | null = null;

  /** The next page of a round in progress, so a run cut short resumes where it stopped. */
  @Property({ type: 'text', nullable: true, hidden: true })
  resumeLink: string | null = null;

  /** Marks the contacts seen by the current full pass; those left with another mark are gone from Outlook. */
  @Property({ type: 'text' })
  passId!: string;

  @Property({ type: 'datetime' })
  updatedAt: Date & Opt = new Date();
}
