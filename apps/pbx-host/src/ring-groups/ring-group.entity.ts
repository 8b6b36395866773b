import { ArrayType, Entity, Index, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { TenantEntity } from '../tenants/tenant.entity';

/**
 * A ring group: a name and the users whose phones it rings. Groups an integration maintains carry
 * `externalSource` + `externalId` (the Microsoft 365 module: the Entra group's object id); groups made by hand
 * have neither.
 */
@Entity({ tableName: 'ring_groups' })
@Index({
  name: 'ring_groups_external_unique',
  expression:
    'create unique index "ring_groups_external_unique" on "ring_groups" ("tenant_id", "external_source", "external_id") ' +
    'where "external_id" is not null',
})
export class RingGroupEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @ManyToOne({ entity: () => TenantEntity, deleteRule: 'cascade' })
  tenant!: TenantEntity;

  @Property({ type: 'text' })
  name!: string;

  /** The member users' ids; a user deleted later simply stops ringing (the list is read joined with users). */
  @Property({ type: ArrayType, columnType: 'uuid[]', default: '{}' })
  memberUserIds: string[] & Opt = [];

  @Property({ type: 'boolean', default: true })
  enabled: boolean & Opt = true;

  @Property({ type: 'text', nullable: true })
  externalSource: string | null = null;

  @Property({ type: 'text', nullable: true })
  externalId: string | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
