import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { invalidField, invalidInput } from '../common/invalid-input';
import { PBX_PRESENCE, type PbxPresencePort } from '../ports/pbx-presence.port';
import { CALENDAR_STATES, type StatusMapping } from './calendar-presence.machine';
import { effectiveStatusMapping } from './default-status-mapping';
import { CalendarPresenceSettingsEntity } from './calendar-presence-settings.entity';
import {
  type CalendarPresenceSettingsView,
  type UpdateCalendarPresenceSettingsDto,
} from './calendar-presence-settings.dto';
import { UserPresenceStateEntity } from './user-presence-state.entity';
import { TenantSettingsEntity } from '../settings/tenant-settings.entity';

@Injectable()
export class CalendarPresenceSettingsService {
  constructor(
    private readonly em: EntityManager,
    @Inject(PBX_PRESENCE) private readonly presence: PbxPresencePort,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async get(pbxTenantId: string): Promise<CalendarPresenceSettingsEntity> {
    return (
      (await this.em.fork().findOne(CalendarPresenceSettingsEntity, { pbxTenantId })) ??
      Object.assign(new CalendarPresenceSettingsEntity(), { pbxTenantId })
    );
  }

  async all(): Promise<CalendarPresenceSettingsEntity[]> {
    return this.em.fork().find(CalendarPresenceSettingsEntity, {});
  }

  async enabled(pbxTenantId: string): Promise<boolean> {
    const connection = await this.em.fork().findOne(TenantSettingsEntity, { pbxTenantId });
    return connection?.enabled === true && connection.features.calendarPresence;
  }

  async update(
    pbxTenantId: string,
    changes: UpdateCalendarPresenceSettingsDto,
  ): Promise<CalendarPresenceSettingsEntity> {
    if (changes.mapping) await this.validateMapping(pbxTenantId, changes.mapping);
    return this.em.fork().transactional(async (em) => {
      let settings = await em.findOne(CalendarPresenceSettingsEntity, { pbxTenantId });
      if (!settings) {
        settings = Object.assign(new CalendarPresenceSettingsEntity(), { pbxTenantId });
        em.persist(settings);
      }
      const { enabled, mapping, ...plain } = changes;
      for (const [key, value] of Object.entries(plain) as [string, unknown][]) {
        if (value !== undefined) Object.assign(settings, { [key]: value });
      }
      if (mapping) settings.mapping = toMapping(mapping);
      settings.selectedUsers = distinct(settings.selectedUsers.map((u) => u.trim()));
      settings.departments = distinct(settings.departments.map((d) => d.trim()));
      settings.updatedAt = this.clock.now();
      if (enabled !== undefined) {
        // The master switch lives with the other feature switches, so the connection test checks Calendars.Read.
        const connection = await em.findOne(TenantSettingsEntity, { pbxTenantId });
        if (connection) connection.features = { ...connection.features, calendarPresence: enabled };
        else if (enabled) throw invalidField('enabled', 'connect the tenant to Microsoft 365 first');
      }
      return settings;
    });
  }

  /** Only the poll columns: an admin may save the settings while a poll runs. */
  async recordPoll(pbxTenantId: string, at: Date, lastError: string | null): Promise<void> {
    await this.em
      .fork()
      .createQueryBuilder(CalendarPresenceSettingsEntity)
      .insert({
        pbxTenantId,
        lastPolledAt: at,
        lastError,
        updatedAt: at,
        selectedUsers: [],
        departments: [],
        mapping: {},
      })
      .onConflict('pbxTenantId')
      .merge(['lastPolledAt', 'lastError'])
      .execute();
  }

  async view(settings: CalendarPresenceSettingsEntity): Promise<CalendarPresenceSettingsView> {
    const em = this.em.fork();
    const availableStatuses = await this.presence.listStatuses(settings.pbxTenantId);
    return {
      pbxTenantId: settings.pbxTenantId,
      enabled: await this.enabled(settings.pbxTenantId),
      selectionMode: settings.selectionMode,
      selectedUsers: settings.selectedUsers,
      departments: settings.departments,
      mapping: effectiveStatusMapping(settings.mapping, availableStatuses),
      mappingIsDefault: Object.keys(settings.mapping).length === 0,
      availableStatuses,
      pollIntervalSeconds: settings.pollIntervalSeconds,
      lastPolledAt: settings.lastPolledAt?.toISOString() ?? null,
      lastError: settings.lastError,
      activeUsers: await em.count(UserPresenceStateEntity, {
        pbxTenantId: settings.pbxTenantId,
        applied: { $ne: null },
      }),
    };
  }

  private async validateMapping(pbxTenantId: string, mapping: StatusMapping): Promise<void> {
    const offered = new Set(await this.presence.listStatuses(pbxTenantId));
    const errors = CALENDAR_STATES.filter((state) => {
      const status = mapping[state];
      return status !== undefined && !offered.has(status);
    }).map((state) => ({
      field: `mapping.${state}`,
      reasons: [`"${mapping[state]}" is not a status this PBX offers (${[...offered].join(', ')})`],
    }));
    if (errors.length > 0) {
      throw invalidInput(errors);
    }
  }
}

function toMapping(input: StatusMapping): StatusMapping {
  const mapping: StatusMapping = {};
  for (const state of CALENDAR_STATES) {
    const status = input[state];
    if (status !== undefined) mapping[state] = status;
  }
  return mapping;
}

function distinct(values: string[]): string[] {
  return [...new Set(values.filter((value) => value !== ''))];
}
