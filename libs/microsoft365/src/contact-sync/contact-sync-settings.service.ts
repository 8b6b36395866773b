import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { type ContactScope } from './contact-sync.planner';
import { type ContactSyncSettingsView, type UpdateContactSyncSettingsDto } from './contact-sync-settings.dto';
import { ContactSyncSettingsEntity } from './contact-sync-settings.entity';
import { DEFAULT_FEATURE_SWITCHES, type FeatureSwitches } from '../settings/feature-switches';
import { normaliseDepartment } from '../user-sync/user-scope';

@Injectable()
export class ContactSyncSettingsService {
  constructor(
    private readonly em: EntityManager,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The tenant's settings, or the defaults when it never saved any. */
  async get(pbxTenantId: string): Promise<ContactSyncSettingsEntity> {
    return (
      (await this.em.fork().findOne(ContactSyncSettingsEntity, { pbxTenantId })) ??
      Object.assign(new ContactSyncSettingsEntity(), { pbxTenantId })
    );
  }

  async all(): Promise<ContactSyncSettingsEntity[]> {
    return this.em.fork().find(ContactSyncSettingsEntity, {});
  }

  async update(
    pbxTenantId: string,
    changes: UpdateContactSyncSettingsDto,
  ): Promise<ContactSyncSettingsEntity> {
    return this.em.fork().transactional(async (em) => {
      let settings = await em.findOne(ContactSyncSettingsEntity, { pbxTenantId });
      if (!settings) {
        settings = Object.assign(new ContactSyncSettingsEntity(), { pbxTenantId });
        em.persist(settings);
      }
      for (const [key, value] of Object.entries(changes) as [string, unknown][]) {
        if (value !== undefined) Object.assign(settings, { [key]: value });
      }
      settings.selectedUsers = distinct(settings.selectedUsers.map((u) => u.trim()));
      settings.departments = distinct(settings.departments.map((d) => d.trim()));
      // UPNs compare case-insensitively in Entra.
      settings.sharedMailboxes = distinct(settings.sharedMailboxes.map((m) => m.trim().toLowerCase()));
      settings.updatedAt = this.clock.now();
      return settings;
    });
  }

  /** `schedule.timeZone` is the cron schedule's effective time zone (see `effectiveTimeZone`). */
  view(
    settings: ContactSyncSettingsEntity,
    features: FeatureSwitches | null,
    schedule: { timeZone: string; nextRunAt: Date | null; startsAt: Date | null },
  ): ContactSyncSettingsView {
    const switches = features ?? DEFAULT_FEATURE_SWITCHES;
    return {
      pbxTenantId: settings.pbxTenantId,
      personalContactsEnabled: switches.personalContacts,
      sharedMailboxesEnabled: switches.sharedMailboxes,
      selectionMode: settings.selectionMode,
      selectedUsers: settings.selectedUsers,
      departments: settings.departments,
      sharedMailboxes: settings.sharedMailboxes,
      schedule: settings.schedule,
      scheduleCron: settings.scheduleCron,
      scheduleTimeZone: schedule.timeZone,
      scheduleTimeZoneSetting: settings.scheduleTimeZone,
      nextScheduledRunAt: schedule.nextRunAt?.toISOString() ?? null,
      nextScheduledStartAt: schedule.startsAt?.toISOString() ?? null,
      provisioningLogRetentionDays: settings.provisioningLogRetentionDays,
    };
  }
}

export function toContactScope(settings: ContactSyncSettingsEntity): ContactScope {
  return {
    selectionMode: settings.selectionMode,
    selectedUsers: new Set(settings.selectedUsers.map((u) => u.trim().toLowerCase())),
    departments: new Set(settings.departments.map(normaliseDepartment)),
  };
}

function distinct(values: string[]): string[] {
  return [...new Set(values.filter((value) => value !== ''))];
}
