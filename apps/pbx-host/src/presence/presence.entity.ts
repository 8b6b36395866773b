import { Entity, Enum, ManyToOne, OneToOne, type Opt, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { PresenceStatus } from './presence-status';
import { TenantEntity } from '../tenants/tenant.entity';
import { UserEntity } from '../users/user.entity';

/** A user's extension presence; a user without a row has the default status. */
@Entity({ tableName: 'presence' })
export class PresenceEntity {
  [PrimaryKeyProp]?: 'user';

  @OneToOne({ entity: () => UserEntity, primary: true, owner: true, deleteRule: 'cascade' })
  user!: UserEntity;

  /** Denormalised from the user so that tenant-wide reads need no join. */
  @ManyToOne({ entity: () => TenantEntity, deleteRule: 'cascade', index: 'presence_tenant_index' })
  tenant!: TenantEntity;

  @Enum({ items: () => PresenceStatus, type: 'text' })
  status!: PresenceStatus;

  @Property({ type: 'datetime' })
  changedAt: Date & Opt = new Date();
}
