import { Entity, Enum, Index, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { LinkState } from './user-sync-plan';
import { randomUUID } from 'node:crypto';

export enum LinkOrigin {
  /** The sync created the PBX user. */
  Created = 'CREATED',
  /** The sync found an existing PBX user with the same UPN or email. */
  Matched = 'MATCHED',
  /** An admin bound the PBX user to the Microsoft 365 account. */
  Bound = 'BOUND',
}

/**
 * Which PBX user a Microsoft 365 account (by immutable object id) is, and which extension it holds. The unique
 * index on the extension is what keeps two concurrent syncs from handing out one number, whatever the code does;
 * the extension stays reserved after a leaver's PBX user is deleted, so a returning user gets it back.
 */
@Entity({ tableName: 'm365_user_links' })
@Unique({ properties: ['pbxTenantId', 'objectId'] })
@Unique({ properties: ['pbxTenantId', 'extension'] })
@Unique({ properties: ['pbxTenantId', 'pbxUserId'] })
@Index({ properties: ['pbxTenantId', 'state'] })
export class UserLinkEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'text' })
  pbxTenantId!: string;

  /** The Entra object id: stable across UPN renames. */
  @Property({ type: 'text' })
  objectId!: string;

  @Property({ type: 'text', nullable: true })
  pbxUserId: string | null = null;

  /** Null only for an account an admin unbound (it keeps no number). */
  @Property({ type: 'text', nullable: true })
  extension: string | null = null;

  @Enum({ items: () => LinkState, type: 'text' })
  state!: LinkState;

  @Enum({ items: () => LinkOrigin, type: 'text' })
  origin!: LinkOrigin;

  /** Last UPN seen, for people reading the links; matching always uses the object id. */
  @Property({ type: 'text', nullable: true })
  userPrincipalName: string | null = null;

  /** `@odata.mediaEtag` of the photo last copied; delta does not report photo changes. */
  @Property({ type: 'text', nullable: true })
  photoETag: string | null = null;

  /** The business phone the write-back last put into Entra: ours to replace, and ignored when delta echoes it. */
  @Property({ type: 'text', nullable: true })
  writtenBusinessPhone: string | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime' })
  updatedAt: Date & Opt = new Date();
}
