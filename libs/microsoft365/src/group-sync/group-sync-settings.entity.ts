import { Entity, Enum, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { LeaverPolicy } from '../user-sync/user-sync-plan';

export enum GroupSyncSchedule {
  /** Manual runs only. */
  Off = 'OFF',
  /** Its own cron expression, in the schedule's time zone (the PBX tenant's unless the admin chose one). */
  Cron = 'CRON',
  /** Right after every successful user sync, so new users join their groups at once. */
  AfterUserSync = 'AFTER_USER_SYNC',
}

/**
 * A PBX tenant's group sync: which Entra groups become PBX groups, what happens to the groups that leave, when it
 * runs, and where the groups delta continues. The on/off switch is the tenant's `features.groupSync`.
 */
@Entity({ tableName: 'm365_group_sync_settings' })
export class GroupSyncSettingsEntity {
  @PrimaryKey({ type: 'text' })
  pbxTenantId!: string;

  /** Object ids (lower-cased) of the selected security and Microsoft 365 groups. */
  @Property({ type: 'json' })
  groupIds: string[] & Opt = [];

  @Enum({ items: () => LeaverPolicy, type: 'text' })
  leaverPolicy: LeaverPolicy & Opt = LeaverPolicy.Disable;

  @Enum({ items: () => GroupSyncSchedule, type: 'text' })
  schedule: GroupSyncSchedule & Opt = GroupSyncSchedule.AfterUserSync;

  @Property({ type: 'text' })
  scheduleCron: string & Opt = '30 1 * * *';

  /** IANA time zone the admin chose for the cron schedule; null follows the PBX tenant's own time zone. */
  @Property({ type: 'text', nullable: true })
  scheduleTimeZone: string | null = null;

  /** Where the next run's `/groups/delta` round starts; null until a full read stored the groups' state. */
  @Property({ type: 'text', nullable: true })
  deltaLink: string | null = null;

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
