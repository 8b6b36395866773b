import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { type Microsoft365Exception } from '../common/microsoft365.exception';
import { Microsoft365Events } from '../events/microsoft365-events.service';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import {
  admitsAutomaticRun,
  afterFailure,
  DEFAULT_ESCALATION_POLICY,
  type EscalationPolicy,
  HealthFeature,
  HealthState,
} from './feature-health';
import { FeatureHealthEntity, type HealthFailure } from './feature-health.entity';
import { type MetricFeature, recordFeatureHealth } from '../metrics/microsoft365.metrics';

const METRIC_FEATURE: Record<HealthFeature, MetricFeature> = {
  [HealthFeature.UserSync]: 'user-sync',
  [HealthFeature.ContactSync]: 'contact-sync',
  [HealthFeature.GroupSync]: 'group-sync',
  [HealthFeature.Presence]: 'calendar-presence',
  [HealthFeature.Subscriptions]: 'notifications',
  [HealthFeature.TeamsPresence]: 'teams-presence',
};

/**
 * Records each background run's outcome per tenant and feature and moves the feature through healthy → degraded →
 * quarantined (see `feature-health.ts`). Every transition is decided under the row's lock, so it is announced
 * once, whichever instance ran.
 */
@Injectable()
export class FeatureHealthService {
  private readonly logger = new Logger(FeatureHealthService.name);
  private readonly policy: EscalationPolicy;

  constructor(
    private readonly em: EntityManager,
    private readonly events: Microsoft365Events,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(MICROSOFT365_OPTIONS) options: Microsoft365ModuleOptions,
  ) {
    this.policy = { ...DEFAULT_ESCALATION_POLICY, ...options.escalation };
  }

  /** Every feature of the tenant, healthy ones included. */
  async list(pbxTenantId: string): Promise<FeatureHealthEntity[]> {
    const stored = await this.em.fork().find(FeatureHealthEntity, { pbxTenantId });
    return Object.values(HealthFeature).map(
      (feature) => stored.find((row) => row.feature === feature) ?? this.healthy(pbxTenantId, feature),
    );
  }

  async get(pbxTenantId: string, feature: HealthFeature): Promise<FeatureHealthEntity> {
    return (
      (await this.em.fork().findOne(FeatureHealthEntity, { pbxTenantId, feature })) ??
      this.healthy(pbxTenantId, feature)
    );
  }

  /** Whether a scheduled or notification-driven run may start now (admins' runs always may). */
  async admitsAutomaticRun(pbxTenantId: string, feature: HealthFeature): Promise<boolean> {
    const health = await this.em.fork().findOne(FeatureHealthEntity, { pbxTenantId, feature });
    return admitsAutomaticRun(health, this.clock.now());
  }

  /** Quarantined features whose next attempt is due, oldest first. */
  /** Every quarantined feature of these kinds, with its next attempt. */
  async quarantined(features: HealthFeature[]): Promise<FeatureHealthEntity[]> {
    return this.em
      .fork()
      .find(
        FeatureHealthEntity,
        { state: HealthState.Quarantined, feature: { $in: features }, nextAttemptAt: { $ne: null } },
        { orderBy: { nextAttemptAt: 'asc' } },
      );
  }

  async recordSuccess(pbxTenantId: string, feature: HealthFeature): Promise<void> {
    await this.recover(pbxTenantId, feature, 'success');
  }

  /** An admin restarts a quarantined feature: healthy again, runs on its normal schedule. */
  async restart(pbxTenantId: string, feature: HealthFeature): Promise<FeatureHealthEntity> {
    await this.recover(pbxTenantId, feature, 'admin');
    return (await this.list(pbxTenantId)).find((row) => row.feature === feature) as FeatureHealthEntity;
  }

  async recordFailure(
    pbxTenantId: string,
    feature: HealthFeature,
    error: Microsoft365Exception,
  ): Promise<FeatureHealthEntity> {
    const failure: HealthFailure = {
      code: error.code,
      message: error.message,
      ...(error.action ? { action: error.action } : {}),
      ...(microsoftCodeOf(error) ? { microsoftCode: microsoftCodeOf(error) } : {}),
      ...(error.microsoft?.requestId ? { requestId: error.microsoft.requestId } : {}),
    };
    const now = this.clock.now();
    const { row, from } = await this.em.fork().transactional(async (em) => {
      await em.execute(
        `insert into m365_feature_health (pbx_tenant_id, feature, updated_at) values (?, ?, ?)
         on conflict do nothing`,
        [pbxTenantId, feature, now],
      );
      const current = await em.findOneOrFail(
        FeatureHealthEntity,
        { pbxTenantId, feature },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      const previous = current.state;
      Object.assign(current, afterFailure(current.consecutiveFailures, now, this.policy), {
        lastFailure: failure,
        lastFailureAt: now,
        updatedAt: now,
      });
      return { row: current, from: previous };
    });
    recordFeatureHealth(pbxTenantId, METRIC_FEATURE[feature], row.state);
    if (from !== row.state) {
      this.logger.warn(
        `PBX tenant ${pbxTenantId}: ${feature} ${from} → ${row.state} after ${row.consecutiveFailures} ` +
          `consecutive failures (${failure.code}, microsoftCode=${failure.microsoftCode ?? '-'})` +
          (row.nextAttemptAt ? `; next attempt ${row.nextAttemptAt.toISOString()}` : ''),
      );
      this.events.emit({
        type: 'feature.health-changed',
        pbxTenantId,
        feature,
        from,
        to: row.state,
        consecutiveFailures: row.consecutiveFailures,
        failure,
        nextAttemptAt: row.nextAttemptAt,
      });
    }
    return row;
  }

  private async recover(
    pbxTenantId: string,
    feature: HealthFeature,
    recoveredBy: 'success' | 'admin',
  ): Promise<void> {
    const now = this.clock.now();
    // One statement: only a feature that was not healthy is written (a healthy run costs one indexed read), and
    // the previous state comes from the row locked by the same statement.
    const recovered = await this.em.fork().execute<{ previous: HealthState; failures: number }[]>(
      `update m365_feature_health h
          set state = 'HEALTHY', consecutive_failures = 0, next_attempt_at = null, updated_at = ?,
              last_success_at = case when ? then ? else h.last_success_at end
         from (select pbx_tenant_id, feature, state, consecutive_failures from m365_feature_health
                where pbx_tenant_id = ? and feature = ? and state <> 'HEALTHY' for update) old
        where h.pbx_tenant_id = old.pbx_tenant_id and h.feature = old.feature
        returning old.state as previous, old.consecutive_failures as failures`,
      [now, recoveredBy === 'success', now, pbxTenantId, feature],
    );
    recordFeatureHealth(pbxTenantId, METRIC_FEATURE[feature], HealthState.Healthy);
    const previous = recovered[0];
    if (!previous) return;
    this.logger.log(
      `PBX tenant ${pbxTenantId}: ${feature} ${previous.previous} → HEALTHY ` +
        `(${recoveredBy === 'admin' ? 'restarted by an admin' : 'first success'})`,
    );
    this.events.emit({
      type: 'feature.health-changed',
      pbxTenantId,
      feature,
      from: previous.previous,
      to: HealthState.Healthy,
      consecutiveFailures: 0,
      failure: null,
      nextAttemptAt: null,
      recoveredBy,
    });
  }

  private healthy(pbxTenantId: string, feature: HealthFeature): FeatureHealthEntity {
    return Object.assign(new FeatureHealthEntity(), { pbxTenantId, feature, updatedAt: this.clock.now() });
  }
}

/**
 * The code an admin can look up: Entra's AADSTS number (its OAuth `error`, e.g. `invalid_client`, says little:
 * https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes), else Graph's `error.code`.
 */
function microsoftCodeOf(error: Microsoft365Exception): string | undefined {
  const details = error.microsoft;
  return details?.aadsts !== undefined ? `AADSTS${details.aadsts}` : details?.code;
}
