import { Entity, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * What Teams presence did for one user, both ways, kept in the database so that a restart (or another instance)
 * still renews, clears and restores:
 * - PBX → Teams: the call state last reported and the application session we hold in Teams (the pair we set and
 *   when it expires), so our own state read back from Teams is recognised and never echoed to the PBX;
 * - Teams → PBX: as calendar presence's `PresenceMemory` (`desired`, `applied`, `restore`).
 */
@Entity({ tableName: 'm365_teams_presence_states' })
@Index({ properties: ['sessionExpiresAt'] })
export class TeamsPresenceStateEntity {
  @PrimaryKey({ type: 'text' })
  pbxTenantId!: string;

  @PrimaryKey({ type: 'text' })
  pbxUserId!: string;

  /** The Microsoft 365 object id the session was set on (the link may change while a call goes on). */
  @Property({ type: 'text', nullable: true })
  objectId: string | null = null;

  @Property({ type: 'text', nullable: true })
  callState: string | null = null;

  @Property({ type: 'text', nullable: true })
  sessionAvailability: string | null = null;

  @Property({ type: 'text', nullable: true })
  sessionActivity: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  sessionExpiresAt: Date | null = null;

  /** Teams → PBX: the status Teams asked for when we last acted. */
  @Property({ type: 'text', nullable: true })
  desired: string | null = null;

  /** What we set on the PBX; null once the user changed it by hand (or nothing set). */
  @Property({ type: 'text', nullable: true })
  applied: string | null = null;

  @Property({ type: 'text', nullable: true })
  restore: string | null = null;

  @Property({ type: 'datetime' })
  updatedAt: Date & Opt = new Date();
}
