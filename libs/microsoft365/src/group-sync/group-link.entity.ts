import { Entity, Enum, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { GroupLinkState } from './group-sync-plan';

/**
 * Which PBX group an Entra group (by immutable object id) became, and the Entra state the last run saw of it: the
 * groups delta is applied to that state, so an idle run costs one delta request. The module's own table; the
 * host's group tables are only reached through `PBX_GROUPS`.
 */
@Entity({ tableName: 'm365_group_links' })
@Unique({ properties: ['pbxTenantId', 'objectId'] })
export class GroupLinkEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'text' })
  pbxTenantId!: string;

  /** The Entra group's object id, lower-cased. */
  @Property({ type: 'text' })
  objectId!: string;

  @Property({ type: 'text' })
  pbxGroupId!: string;

  @Enum({ items: () => GroupLinkState, type: 'text' })
  state!: GroupLinkState;

  /** The name last given to the PBX group. */
  @Property({ type: 'text' })
  pbxName!: string;

  /** The PBX user ids last set as members, sorted. */
  @Property({ type: 'json' })
  pbxMembers: string[] & Opt = [];

  /** The Entra group's displayName as last seen. */
  @Property({ type: 'text' })
  entraName!: string;

  /** Object ids of the users reached through the group (nested groups included), lower-cased, as last seen. */
  @Property({ type: 'json' })
  entraMembers: string[] & Opt = [];

  /** The group and the groups nested in it, lower-cased; null when it must be read in full (after it left). */
  @Property({ type: 'json', nullable: true })
  closure: string[] | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime' })
  updatedAt: Date & Opt = new Date();
}
