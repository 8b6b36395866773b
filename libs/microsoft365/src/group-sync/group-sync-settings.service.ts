import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { DEFAULT_FEATURE_SWITCHES, type FeatureSwitches } from '../settings/feature-switches';
import { type GroupSyncSettingsView, type UpdateGroupSyncSettingsDto } from './group-sync-settings.dto';
import { GroupSyncSettingsEntity } from './group-sync-settings.entity';

@Injectable()
export class GroupSyncSettingsService {
  constructor(
    private readonly em: EntityManager,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The tenant's settings, or the defaults when it never saved any. */
  async get(pbxTenantId: string): Promise<GroupSyncSettingsEntity> {
    return (
      (await this.em.fork().findOne(GroupSyncSettingsEntity, { pbxTenantId })) ??
      Object.assign(new GroupSyncSettingsEntity(), { pbxTenantId })
    );
  }

  async all(): Promise<GroupSyncSettingsEntity[]> {
    return this.em.fork().find(GroupSyncSettingsEntity, {});
  }

  async update(pbxTenantId: string, changes: UpdateGroupSyncSettingsDto): Promise<GroupSyncSettingsEntity> {
    return this.em.fork().transactional(async (em) => {
      let settings = await em.findOne(GroupSyncSettingsEntity, { pbxTenantId });
      if (!settings) {
        settings = Object.assign(new GroupSyncSettingsEntity(), { pbxTenantId });
        em.persist(settings);
      }
      for (const [key, value] of Object.entries(changes) as [string, unknown][]) {
        if (value !== undefined) Object.assign(settings, { [key]: value });
      }
      // Object ids are GUIDs: compared lower-cased everywhere.
      settings.groupIds = [...new Set(settings.groupIds.map((id) => id.trim().toLowerCase()))];
      settings.updatedAt = this.clock.now();
      return settings;
    });
  }

  /** Stores where the next groups delta round starts, in the transaction of the run's last writes. */
  async saveDeltaLink(em: EntityManager, pbxTenantId: string, deltaLink: string | null): Promise<void> {
    await em.upsert(
      GroupSyncSettingsEntity,
      { pbxTenantId, deltaLink, updatedAt: this.clock.now() },
      { onConflictFields: ['pbxTenantId'], onConflictMergeFields: ['deltaLink'] },
    );
  }

  /** `schedule.timeZone` is the cron schedule's effective time zone (see `effectiveTimeZone`). */
  view(
    settings: GroupSyncSettingsEntity,
    features: FeatureSwitches | null,
    schedule: { timeZone: string; nextRunAt: Date | null; startsAt: Date | null },
  ): GroupSyncSettingsView {
    return {
      pbxTenantId: settings.pbxTenantId,
      enabled: { ...DEFAULT_FEATURE_SWITCHES, ...features }.groupSync,
      groupIds: settings.groupIds,
      leaverPolicy: settings.leaverPolicy,
      schedule: settings.schedule,
      scheduleCron: settings.scheduleCron,
      scheduleTimeZone: schedule.timeZone,
      scheduleTimeZoneSetting: settings.scheduleTimeZone,
      nextScheduledRunAt: schedule.nextRunAt?.toISOString() ?? null,
      nextScheduledStartAt: schedule.startsAt?.toISOString() ?? null,
    };
  }
}
