import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { withGraphFeature } from '../graph/graph-meter';
import { asException, HealthFeature } from '../health/feature-health';
import { FeatureHealthService } from '../health/feature-health.service';
import {
  PBX_CALL_STATE_VALUES,
  PBX_CALL_STATES,
  type PbxCallState,
  type PbxCallStatesPort,
} from '../ports/pbx-call-states.port';
import { PBX_PRESENCE, type PbxPresencePort } from '../ports/pbx-presence.port';
import {
  SESSION_EXPIRATION_MS,
  SESSION_RENEW_BEFORE_MS,
  sessionFor,
  type TeamsPresencePair,
} from './teams-presence-mapping';
import { TeamsPresenceSettingsService } from './teams-presence-settings.service';
import { type TeamsPresenceStateEntity } from './teams-presence-state.entity';
import { TeamsPresenceStore } from './teams-presence-state.store';
import { TeamsPresenceClient } from './teams-presence.client';

/** What a call state report did in Teams. */
export interface TeamsPresenceOutcome {
  action: 'set' | 'cleared' | 'unchanged' | 'ignored' | 'failed';
  /** Why nothing was done, or what failed. */
  reason?: 'off' | 'not-linked' | 'unknown-state' | 'from-teams' | 'quarantined';
  error?: { code: string; message: string; microsoftCode?: string; requestId?: string };
}

/**
 * Teams presence, PBX → Teams. The host calls {@link callStateChanged} on every call state change; the module sets
 * its own application session in Teams (`setPresence`, sessionId = the app's client id), renews it before it
 * expires while the call lasts ({@link renewSessions}, on the scheduler's tick), and clears it when the call ends.
 * A user-configured Teams presence overrides application sessions in Microsoft's aggregation, so a status the user
 * set by hand in Teams wins without us doing anything (https://learn.microsoft.com/en-us/graph/api/presence-setpresence).
 */
@Injectable()
export class TeamsPresenceService {
  private readonly logger = new Logger(TeamsPresenceService.name);

  constructor(
    private readonly settings: TeamsPresenceSettingsService,
    private readonly store: TeamsPresenceStore,
    private readonly client: TeamsPresenceClient,
    private readonly health: FeatureHealthService,
    @Inject(PBX_PRESENCE) private readonly presence: PbxPresencePort,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(PBX_CALL_STATES) private readonly callStates?: PbxCallStatesPort | null,
  ) {}

  /**
   * The PBX reports a user's new call state. Never throws for Microsoft's answers: a failure is logged, recorded in
   * the feature's health and answered as `failed`, since a call must not fail because Teams is unreachable.
   */
  async callStateChanged(
    pbxTenantId: string,
    pbxUserId: string,
    state: PbxCallState,
  ): Promise<TeamsPresenceOutcome> {
    if (!PBX_CALL_STATE_VALUES.includes(state)) return { action: 'ignored', reason: 'unknown-state' };
    const row = await this.store.find(pbxTenantId, pbxUserId);
    const held = TeamsPresenceStore.sessionOf(row, this.clock.now());
    const { toTeams } = await this.settings.directions(pbxTenantId);
    // Switched off during a call: the session we hold is still cleared when the call ends.
    if (!toTeams && !(state === 'idle' && held)) return { action: 'ignored', reason: 'off' };
    if (state === 'dnd' && (await this.cameFromTeams(pbxTenantId, pbxUserId, row))) {
      return { action: 'ignored', reason: 'from-teams' };
    }
    const [link] = await this.store.linkedUsers(pbxTenantId, [pbxUserId]);
    const objectId = link?.objectId ?? row?.objectId;
    if (!objectId) return { action: 'ignored', reason: 'not-linked' };
    if (!(await this.health.admitsAutomaticRun(pbxTenantId, HealthFeature.TeamsPresence))) {
      return { action: 'failed', reason: 'quarantined' };
    }
    try {
      const action = await withGraphFeature('teams-presence', () =>
        this.apply(pbxTenantId, pbxUserId, objectId, state, held),
      );
      await this.health.recordSuccess(pbxTenantId, HealthFeature.TeamsPresence);
      return { action };
    } catch (error) {
      return { action: 'failed', error: await this.failed(pbxTenantId, error) };
    }
  }

  /**
   * Renews the sessions that expire within {@link SESSION_RENEW_BEFORE_MS}, asking the PBX first whether the call
   * still goes on (a lost `idle` report must not leave a user "In a call" for good); clears those that ended.
   * Throws on a Graph failure, for the scheduler to record.
   */
  async renewSessions(pbxTenantId: string): Promise<{ renewed: number; cleared: number }> {
    const now = this.clock.now();
    const due = await this.store.sessionsExpiring(
      pbxTenantId,
      new Date(now.getTime() + SESSION_RENEW_BEFORE_MS),
    );
    if (due.length === 0) return { renewed: 0, cleared: 0 };
    const { toTeams } = await this.settings.directions(pbxTenantId);
    const states =
      toTeams && this.callStates
        ? await this.callStates.getCallStates(
            pbxTenantId,
            due.map((row) => row.pbxUserId),
          )
        : new Map<string, PbxCallState>();
    let renewed = 0;
    let cleared = 0;
    await withGraphFeature('teams-presence', async () => {
      for (const row of due) {
        const state = states.get(row.pbxUserId) ?? 'idle';
        const shown =
          row.sessionAvailability && row.sessionActivity
            ? { availability: row.sessionAvailability, activity: row.sessionActivity }
            : null;
        const action = await this.apply(pbxTenantId, row.pbxUserId, row.objectId ?? '', state, shown, true);
        if (action === 'cleared') cleared++;
        else renewed++;
      }
    });
    return { renewed, cleared };
  }

  /**
   * Sets, renews or clears our session for the state. `shown` is the pair our session shows (null: none);
   * `renew` sets it again even when unchanged (the keep-alive).
   */
  private async apply(
    pbxTenantId: string,
    pbxUserId: string,
    objectId: string,
    state: PbxCallState,
    shown: TeamsPresencePair | null,
    renew = false,
  ): Promise<'set' | 'cleared' | 'unchanged'> {
    const wanted = sessionFor(state);
    // Ringing: whatever we show stays (and is renewed when due).
    const pair = wanted === 'unchanged' ? shown : wanted;
    if (pair === null && shown === null) return 'unchanged';
    if (!renew && pair !== null && shown !== null && samePair(pair, shown)) return 'unchanged';
    const { target, sessionId } = await this.store.target(pbxTenantId);
    const change = { objectId, callState: state, session: pair, expiresAt: null as Date | null };
    if (pair === null) {
      await this.client.clearPresence(target, objectId, sessionId);
    } else {
      change.expiresAt = new Date(this.clock.now().getTime() + SESSION_EXPIRATION_MS);
      await this.client.setPresence(target, objectId, sessionId, pair);
    }
    await this.store.saveSession(pbxTenantId, pbxUserId, change);
    return pair === null ? 'cleared' : 'set';
  }

  /**
   * A `dnd` report right after Teams → PBX set the user's PBX status is our own change coming back: the PBX status
   * is still the one we applied from Teams. Pushing it to Teams would echo the user's Teams status back as ours.
   */
  private async cameFromTeams(
    pbxTenantId: string,
    pbxUserId: string,
    row: TeamsPresenceStateEntity | null,
  ): Promise<boolean> {
    if (!row?.applied) return false;
    const current = (await this.presence.getStatuses(pbxTenantId, [pbxUserId])).get(pbxUserId)?.status;
    return current === row.applied;
  }

  private async failed(
    pbxTenantId: string,
    error: unknown,
  ): Promise<NonNullable<TeamsPresenceOutcome['error']>> {
    const exception = asException(error);
    const microsoft = exception.microsoft;
    this.logger.warn(
      `Teams presence of PBX tenant ${pbxTenantId} failed: ${exception.code} (status=${microsoft?.status ?? '-'}, ` +
        `microsoftCode=${microsoft?.code ?? '-'}, requestId=${microsoft?.requestId ?? '-'})`,
    );
    await this.health.recordFailure(pbxTenantId, HealthFeature.TeamsPresence, exception);
    return {
      code: exception.code,
      message: exception.message,
      ...(microsoft?.code ? { microsoftCode: microsoft.code } : {}),
      ...(microsoft?.requestId ? { requestId: microsoft.requestId } : {}),
    };
  }
}

function samePair(a: TeamsPresencePair, b: TeamsPresencePair): boolean {
  return a.availability === b.availability && a.activity === b.activity;
}
