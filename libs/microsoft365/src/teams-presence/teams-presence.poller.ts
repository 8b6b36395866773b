import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { withGraphFeature } from '../graph/graph-meter';
import { recordRunEnd } from '../metrics/microsoft365.metrics';
import { PBX_PRESENCE, type PbxPresencePort } from '../ports/pbx-presence.port';
import { decidePresence } from '../presence/calendar-presence.machine';
import {
  effectiveTeamsStatusMapping,
  isOwnSession,
  statusForReading,
  type TeamsPresencePair,
} from './teams-presence-mapping';
import { TeamsPresenceSettingsService } from './teams-presence-settings.service';
import { TeamsPresenceStore } from './teams-presence-state.store';
import { TeamsPresenceClient } from './teams-presence.client';

export interface TeamsPresencePollResult {
  users: number;
  changed: number;
  failed: number;
}

/**
 * Teams presence, Teams → PBX, by reading `getPresencesByUserId` (650 linked users per call): on the admin's
 * interval, or, with change notifications through a service account (`PresenceSubscriptionManager`), for just the
 * users a notification names, with a slow full pass as the safety net (docs/graph-notes.md §13, §14).
 *
 * No loops: a reading equal to the session our application holds for the user is our own PBX → Teams state, and
 * asks nothing of the PBX. A status the user changed by hand on the PBX wins until Teams asks for something else
 * (the calendar presence machine, `decidePresence`).
 */
@Injectable()
export class TeamsPresencePoller {
  private readonly logger = new Logger(TeamsPresencePoller.name);

  constructor(
    private readonly settings: TeamsPresenceSettingsService,
    private readonly store: TeamsPresenceStore,
    private readonly client: TeamsPresenceClient,
    @Inject(PBX_PRESENCE) private readonly presence: PbxPresencePort,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * One pass over the tenant's linked users, or over `onlyObjectIds` of them (a change notification named them);
   * throws Microsoft365Exceptions of Graph for the caller to record. Only a full pass counts as the last poll.
   */
  async poll(pbxTenantId: string, onlyObjectIds?: readonly string[]): Promise<TeamsPresencePollResult> {
    const started = performance.now();
    const partial = onlyObjectIds !== undefined;
    const end = { feature: 'teams-presence', mode: partial ? 'partial' : 'full' } as const;
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const only = partial ? new Set(onlyObjectIds.map((id) => id.toLowerCase())) : undefined;
      const result = await withGraphFeature('teams-presence', () => this.pass(pbxTenantId, only));
      recordRunEnd({
        ...end,
        outcome: result.failed > 0 ? 'completed_with_errors' : 'succeeded',
        seconds: seconds(),
        items: { read: result.users, changed: result.changed, failed: result.failed },
      });
      return result;
    } catch (error) {
      recordRunEnd({ ...end, outcome: 'failed', seconds: seconds() });
      await this.settings.recordPoll(pbxTenantId, this.clock.now(), errorText(error));
      throw error;
    }
  }

  private async pass(pbxTenantId: string, only?: ReadonlySet<string>): Promise<TeamsPresencePollResult> {
    const settings = await this.settings.get(pbxTenantId);
    const { fromTeams } = await this.settings.directions(pbxTenantId);
    const now = this.clock.now();
    const rows = new Map((await this.store.all(pbxTenantId)).map((row) => [row.pbxUserId, row] as const));
    const users = (fromTeams ? await this.store.linkedUsers(pbxTenantId) : []).filter(
      (user) => !only || only.has(user.objectId.toLowerCase()),
    );
    const readings =
      users.length > 0
        ? await this.client.read(
            (await this.store.target(pbxTenantId)).target,
            users.map((user) => user.objectId),
          )
        : new Map<string, TeamsPresencePair>();
    const offered =
      Object.keys(settings.mapping).length > 0 ? [] : await this.presence.listStatuses(pbxTenantId);
    const mapping = effectiveTeamsStatusMapping(settings.mapping, offered);
    const candidates = new Map<string, string | null>();
    for (const user of users) {
      const reading = readings.get(user.objectId.toLowerCase());
      // Unknown to Graph this time: decide nothing rather than restore while Teams may still ask for a status.
      if (reading === undefined) continue;
      const ours = TeamsPresenceStore.sessionOf(rows.get(user.pbxUserId), now);
      candidates.set(user.pbxUserId, isOwnSession(reading, ours) ? null : statusForReading(reading, mapping));
    }
    // Unlinked users, or the direction switched off: what Teams changed is put back (by full passes only: a
    // notification's users say nothing about the others).
    for (const [pbxUserId, row] of only ? [] : rows)
      if (row.desired && !candidates.has(pbxUserId)) {
        if (!fromTeams || !users.some((user) => user.pbxUserId === pbxUserId))
          candidates.set(pbxUserId, null);
      }
    const statuses = await this.presence.getStatuses(pbxTenantId, [...candidates.keys()]);
    let changed = 0;
    let failed = 0;
    let lastError: string | null = null;
    for (const [pbxUserId, desired] of candidates) {
      const current = statuses.get(pbxUserId)?.status;
      if (current === undefined) continue;
      const previous = TeamsPresenceStore.memoryOf(rows.get(pbxUserId));
      const decision = decidePresence(previous, current, desired);
      try {
        // Remembered before the PBX changes: a PBX that reports the change back at once (a DND status as call
        // state `dnd`) is then recognised as our own change and not pushed to Teams.
        await this.store.saveMemory(pbxTenantId, pbxUserId, decision.memory);
        if (decision.set !== null) {
          try {
            await this.presence.setStatus(pbxTenantId, pbxUserId, decision.set);
          } catch (error) {
            await this.store.saveMemory(pbxTenantId, pbxUserId, previous);
            throw error;
          }
          changed++;
        }
      } catch (error) {
        failed++;
        lastError = errorText(error);
        this.logger.warn(`Teams presence of a user of PBX tenant ${pbxTenantId} failed: ${lastError}`);
      }
    }
    if (!only) await this.settings.recordPoll(pbxTenantId, now, lastError);
    return { users: users.length, changed, failed };
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error && 'code' in error) return `${String(error.code)}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
