import { Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * What calendar presence did to one user's status and what to put back: kept in the database so that a restart
 * (or another PBX instance) still restores the status when the meeting ends. See `PresenceMemory`.
 */
@Entity({ tableName: 'm365_presence_states' })
export class UserPresenceStateEntity {
  @PrimaryKey({ type: 'text' })
  pbxTenantId!: string;

  @PrimaryKey({ type: 'text' })
  pbxUserId!: string;

  @Property({ type: 'text' })
  desired!: string;

  /** What we set; null once the user changed the status by hand. */
  @Property({ type: 'text', nullable: true })
  applied: string | null = null;

  @Property({ type: 'text', nullable: true })
  restore: string | null = null;

  @Property({ type: 'datetime' })
  updatedAt: Date & Opt = new Date();
}
