import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { invalidField, invalidInput } from '../common/invalid-input';
import { PBX_CALL_STATES, type PbxCallStatesPort } from '../ports/pbx-call-states.port';
import { PBX_PRESENCE, type PbxPresencePort } from '../ports/pbx-presence.port';
import { TenantSettingsEntity } from '../settings/tenant-settings.entity';
import { NOT_IN_CHINA, teamsPresenceAvailability } from './teams-presence-availability';
import { effectiveTeamsStatusMapping, TEAMS_STATES, type TeamsStatusMapping } from './teams-presence-mapping';
import {
  type TeamsPresenceSettingsView,
  type UpdateTeamsPresenceSettingsDto,
} from './teams-presence-settings.dto';
import { TeamsPresenceSettingsEntity } from './teams-presence-settings.entity';
import { TeamsPresenceStateEntity } from './teams-presence-state.entity';
import { Microsoft365Cloud } from '../settings/microsoft365-cloud';

/** What a tenant may do now: each direction switched on, connected, and possible in its cloud and PBX. */
export interface TeamsPresenceDirections {
  toTeams: boolean;
  fromTeams: boolean;
}

@Injectable()
export class TeamsPresenceSettingsService {
  constructor(
    private readonly em: EntityManager,
    @Inject(PBX_PRESENCE) private readonly presence: PbxPresencePort,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(PBX_CALL_STATES) private readonly callStates?: PbxCallStatesPort | null,
  ) {}

  /** Whether the host provides the optional call states port (PBX → Teams needs it). */
  get hasCallStates(): boolean {
    return Boolean(this.callStates);
  }

  async get(pbxTenantId: string): Promise<TeamsPresenceSettingsEntity> {
    return (
      (await this.em.fork().findOne(TeamsPresenceSettingsEntity, { pbxTenantId })) ??
      Object.assign(new TeamsPresenceSettingsEntity(), { pbxTenantId })
    );
  }

  /** Tenants with either direction switched on, connected and enabled. */
  async tenantsInUse(): Promise<string[]> {
    const rows = await this.em.fork().find(TenantSettingsEntity, { enabled: true });
    return rows
      .filter((row) => this.directionsOf(row).toTeams || this.directionsOf(row).fromTeams)
      .map((row) => row.pbxTenantId);
  }

  async directions(pbxTenantId: string): Promise<TeamsPresenceDirections> {
    const connection = await this.em.fork().findOne(TenantSettingsEntity, { pbxTenantId });
    return connection ? this.directionsOf(connection) : { toTeams: false, fromTeams: false };
  }

  async update(
    pbxTenantId: string,
    changes: UpdateTeamsPresenceSettingsDto,
  ): Promise<TeamsPresenceSettingsEntity> {
    if (changes.mapping) await this.validateMapping(pbxTenantId, changes.mapping);
    return this.em.fork().transactional(async (em) => {
      let settings = await em.findOne(TeamsPresenceSettingsEntity, { pbxTenantId });
      if (!settings) {
        settings = Object.assign(new TeamsPresenceSettingsEntity(), { pbxTenantId });
        em.persist(settings);
      }
      if (changes.mapping) settings.mapping = toMapping(changes.mapping);
      if (changes.pollIntervalSeconds !== undefined)
        settings.pollIntervalSeconds = changes.pollIntervalSeconds;
      if (changes.changeNotifications !== undefined) {
        // Presence does not exist in 21Vianet, nor do its notifications (docs/graph-notes.md §14).
        const connection = await em.findOne(TenantSettingsEntity, { pbxTenantId });
        if (changes.changeNotifications !== 'off' && connection?.cloud === Microsoft365Cloud.China) {
          throw invalidField('changeNotifications', NOT_IN_CHINA);
        }
        settings.changeNotifications = changes.changeNotifications;
      }
      settings.updatedAt = this.clock.now();
      if (changes.toTeams !== undefined || changes.fromTeams !== undefined) {
        // The switches live with the other feature switches, so the connection test checks the permissions.
        const connection = await em.findOne(TenantSettingsEntity, { pbxTenantId });
        if (!connection) {
          if (changes.toTeams || changes.fromTeams) {
            throw invalidField(
              changes.toTeams ? 'toTeams' : 'fromTeams',
              'connect the tenant to Microsoft 365 first',
            );
          }
          return settings;
        }
        const features = {
          ...connection.features,
          ...(changes.toTeams !== undefined ? { pbxToTeamsPresence: changes.toTeams } : {}),
          ...(changes.fromTeams !== undefined ? { teamsToPbxPresence: changes.fromTeams } : {}),
        };
        // Refused in 21Vianet, and PBX → Teams on a PBX without call states (docs/graph-notes.md §13).
        const why = teamsPresenceAvailability(connection.cloud, this.hasCallStates);
        if (changes.toTeams && why.toTeams) throw invalidField('toTeams', why.toTeams);
        if (changes.fromTeams && why.fromTeams) throw invalidField('fromTeams', why.fromTeams);
        connection.features = features;
      }
      return settings;
    });
  }

  /** Only the poll columns: an admin may save the settings while a poll runs. */
  async recordPoll(pbxTenantId: string, at: Date, lastError: string | null): Promise<void> {
    await this.em
      .fork()
      .createQueryBuilder(TeamsPresenceSettingsEntity)
      .insert({
        pbxTenantId,
        lastPolledAt: at,
        lastError,
        updatedAt: at,
        mapping: {},
        changeNotifications: 'off',
      })
      .onConflict('pbxTenantId')
      .merge(['lastPolledAt', 'lastError'])
      .execute();
  }

  /** The settings view, without the change notifications' status (the controller adds it). */
  async view(
    settings: TeamsPresenceSettingsEntity,
  ): Promise<Omit<TeamsPresenceSettingsView, 'changeNotificationsStatus'>> {
    const em = this.em.fork();
    const { pbxTenantId } = settings;
    const connection = await em.findOne(TenantSettingsEntity, { pbxTenantId });
    const why = teamsPresenceAvailability(connection?.cloud ?? Microsoft365Cloud.Global, this.hasCallStates);
    const directions = connection ? this.directionsOf(connection) : { toTeams: false, fromTeams: false };
    const availableStatuses = await this.presence.listStatuses(pbxTenantId);
    return {
      pbxTenantId,
      ...directions,
      toTeamsUnavailable: why.toTeams,
      fromTeamsUnavailable: why.fromTeams,
      mapping: effectiveTeamsStatusMapping(settings.mapping, availableStatuses),
      mappingIsDefault: Object.keys(settings.mapping).length === 0,
      availableStatuses,
      pollIntervalSeconds: settings.pollIntervalSeconds,
      lastPolledAt: settings.lastPolledAt?.toISOString() ?? null,
      lastError: settings.lastError,
      activeSessions: await em.count(TeamsPresenceStateEntity, {
        pbxTenantId,
        sessionExpiresAt: { $gt: this.clock.now() },
      }),
      activeUsers: await em.count(TeamsPresenceStateEntity, { pbxTenantId, applied: { $ne: null } }),
      changeNotifications: settings.changeNotifications,
    };
  }

  private directionsOf(connection: TenantSettingsEntity): TeamsPresenceDirections {
    const why = teamsPresenceAvailability(connection.cloud, this.hasCallStates);
    return {
      toTeams: connection.enabled && connection.features.pbxToTeamsPresence === true && why.toTeams === null,
      fromTeams:
        connection.enabled && connection.features.teamsToPbxPresence === true && why.fromTeams === null,
    };
  }

  private async validateMapping(pbxTenantId: string, mapping: TeamsStatusMapping): Promise<void> {
    const offered = new Set(await this.presence.listStatuses(pbxTenantId));
    const errors = TEAMS_STATES.filter((state) => {
      const status = mapping[state];
      return status !== undefined && !offered.has(status);
    }).map((state) => ({
      field: `mapping.${state}`,
      reasons: [`"${mapping[state]}" is not a status this PBX offers (${[...offered].join(', ')})`],
    }));
    if (errors.length > 0) throw invalidInput(errors);
  }
}

function toMapping(input: TeamsStatusMapping): TeamsStatusMapping {
  const mapping: TeamsStatusMapping = {};
  for (const state of TEAMS_STATES) {
    const status = input[state];
    if (status !== undefined) mapping[state] = status;
  }
  return mapping;
}
