import { asException, HealthFeature } from '../health/feature-health';
import { FeatureHealthService } from '../health/feature-health.service';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { GraphApi, type GraphTarget } from '../graph/graph-api.service';
import { withGraphFeature } from '../graph/graph-meter';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { GraphSubscriptionEntity } from './graph-subscription.entity';
import { ContactSyncTrigger } from './contact-sync.trigger';
import { notificationEndpoint } from './notification-endpoint';
import { NotificationSettingsService } from './notification-settings.service';
import { SubscriptionKind, requestedExpiration, subscriptionVerdict } from './subscription-lifetime';
import { UserSyncTrigger } from './user-sync.trigger';
import { CalendarPresenceScheduler } from '../presence/calendar-presence.scheduler';
import { SYSTEM_SCOPE, TenantSettingsEntity } from '../settings/tenant-settings.entity';
import { randomBytes } from 'node:crypto';
import { hashClientState, verifyNotificationItems } from './notification-client-state';
import {
  type WantedSubscription,
  WantedSubscriptionsResolver,
  contactsMailbox,
} from './wanted-subscriptions.resolver';

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

/** Users and groups only support these (docs/graph-notes.md §9); Outlook items also `created`. */
const CHANGE_TYPES: Record<SubscriptionKind, string> = {
  [SubscriptionKind.Users]: 'updated,deleted',
  [SubscriptionKind.Groups]: 'updated,deleted',
  [SubscriptionKind.Events]: 'created,updated,deleted',
  [SubscriptionKind.Contacts]: 'created,updated,deleted',
};

/**
 * Keeps each tenant's subscriptions in line with what it needs: creates the missing ones, renews those close to
 * expiry, replaces expired ones (and runs a delta, since changes may have been missed meanwhile), removes the ones
 * no longer needed. Without a reachable public URL it holds none, and the fallback polls instead.
 */
@Injectable()
export class SubscriptionManager {
  private readonly logger = new Logger(SubscriptionManager.name);

  constructor(
    private readonly em: EntityManager,
    private readonly health: FeatureHealthService,
    private readonly graph: GraphApi,
    private readonly settings: NotificationSettingsService,
    private readonly wantedSubscriptions: WantedSubscriptionsResolver,
    private readonly presenceScheduler: CalendarPresenceScheduler,
    private readonly userSync: UserSyncTrigger,
    private readonly contactSync: ContactSyncTrigger,
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async tick(): Promise<void> {
    const tenants = await this.em.fork().find(TenantSettingsEntity, { pbxTenantId: { $ne: SYSTEM_SCOPE } });
    for (const tenant of tenants) {
      // Quarantined (failed too often): tried again only when its next attempt is due.
      if (!(await this.health.admitsAutomaticRun(tenant.pbxTenantId, HealthFeature.Subscriptions))) continue;
      try {
        await this.reconcile(tenant.pbxTenantId);
      } catch (error) {
        const code = error instanceof Microsoft365Exception ? error.code : 'INTERNAL';
        this.logger.warn(`Subscriptions of PBX tenant ${tenant.pbxTenantId} not reconciled: ${code}`);
      }
    }
  }

  async reconcile(pbxTenantId: string): Promise<void> {
    if (!(await this.settings.lease(pbxTenantId))) return;
    try {
      await withGraphFeature('notifications', () => this.reconcileLeased(pbxTenantId));
    } finally {
      await this.settings.release(pbxTenantId);
    }
  }

  async subscriptions(pbxTenantId: string): Promise<GraphSubscriptionEntity[]> {
    return this.em.fork().find(GraphSubscriptionEntity, { pbxTenantId }, { orderBy: { resource: 'asc' } });
  }

  /**
   * For each item, its stored subscription if `clientState` is the secret we gave it, null otherwise (refuse, do
   * nothing). One query for the whole post, however many items it holds.
   */
  async verifyAll(
    items: readonly { subscriptionId?: unknown; clientState?: unknown }[],
  ): Promise<(GraphSubscriptionEntity | null)[]> {
    return verifyNotificationItems(items, (ids) =>
      this.em.fork().find(GraphSubscriptionEntity, { subscriptionId: { $in: ids } }),
    );
  }

  /** A valid change notification arrived: wake whatever reads the truth for that resource. */
  async onChange(row: GraphSubscriptionEntity): Promise<void> {
    await this.em
      .fork()
      .nativeUpdate(GraphSubscriptionEntity, { id: row.id }, { lastNotificationAt: this.clock.now() });
    await this.wake(row);
  }

  /**
   * reauthorizationRequired → renew; subscriptionRemoved → recreate and run delta; missed → run delta
   * (docs/graph-notes.md §9, lifecycle notifications).
   */
  async onLifecycle(row: GraphSubscriptionEntity, event: LifecycleEvent): Promise<void> {
    await withGraphFeature('notifications', () => this.handleLifecycle(row, event));
  }

  private async handleLifecycle(row: GraphSubscriptionEntity, event: LifecycleEvent): Promise<void> {
    await this.em.fork().nativeUpdate(GraphSubscriptionEntity, { id: row.id }, { lastLifecycleEvent: event });
    const target = await this.target(row.pbxTenantId);
    if (!target) return;
    switch (event) {
      case 'reauthorizationRequired':
        await this.renewOrReplace(target, row);
        return;
      case 'subscriptionRemoved':
        await this.em.fork().nativeDelete(GraphSubscriptionEntity, { id: row.id });
        await this.create(target, { kind: row.kind, resource: row.resource, pbxUserId: row.pbxUserId }).catch(
          (error: unknown) => this.failed(row.pbxTenantId, error),
        );
        await this.wake(row);
        return;
      case 'missed':
        await this.wake(row);
        return;
    }
  }

  /** Queues the run a change asks for (a job in the database: it outlives this instance). */
  private async wake(row: GraphSubscriptionEntity): Promise<void> {
    switch (row.kind) {
      case SubscriptionKind.Users:
      case SubscriptionKind.Groups:
        await this.userSync.wake(row.pbxTenantId);
        return;
      case SubscriptionKind.Events:
        // One calendar changed: read that one, not the tenant's (one getSchedule entry instead of all of them).
        await this.presenceScheduler.refreshSoon(row.pbxTenantId, row.pbxUserId);
        return;
      case SubscriptionKind.Contacts: {
        const mailboxId = contactsMailbox(row.resource);
        if (mailboxId) await this.contactSync.wake(row.pbxTenantId, mailboxId);
        return;
      }
    }
  }

  private async reconcileLeased(pbxTenantId: string): Promise<void> {
    const existing = await this.subscriptions(pbxTenantId);
    const tenant = await this.em.fork().findOne(TenantSettingsEntity, { pbxTenantId });
    const target = targetOf(tenant);
    const settings = await this.settings.get(pbxTenantId);
    const endpoint = notificationEndpoint(this.options);
    const wanted =
      tenant && target && settings.enabled && endpoint.usable
        ? await this.wantedSubscriptions.wanted(tenant)
        : [];
    const wantedByResource = new Map(wanted.map((w) => [w.resource, w]));
    let firstProblem: unknown = undefined;
    let problems = 0;
    for (const row of existing) {
      if (!wantedByResource.has(row.resource)) {
        if (target) await this.remove(target, row);
        else await this.em.fork().nativeDelete(GraphSubscriptionEntity, { id: row.id });
      }
    }
    if (!target || !endpoint.usable || !settings.enabled) {
      if (target && settings.enabled && !endpoint.usable)
        await this.settings.recordFailure(pbxTenantId, endpoint.reason);
      return;
    }
    const now = this.clock.now();
    const byResource = new Map(existing.map((row) => [row.resource, row]));
    for (const want of wanted) {
      const row = byResource.get(want.resource);
      try {
        if (!row) {
          await this.create(target, want);
          continue;
        }
        const verdict = subscriptionVerdict(row.kind, row.expiresAt, now, this.cap());
        if (verdict === 'expired') {
          // Graph dropped it: changes since then were not notified, so the delta run catches up.
          await this.em.fork().nativeDelete(GraphSubscriptionEntity, { id: row.id });
          await this.graph
            .delete(target, `/subscriptions/${row.subscriptionId}`)
            .catch((error: unknown) =>
              this.logger.warn(
                `Subscription ${row.subscriptionId} of PBX tenant ${pbxTenantId} not deleted (it expires by itself): ` +
                  (error instanceof Microsoft365Exception
                    ? `${error.code} (microsoftCode=${error.microsoft?.code ?? '-'}, requestId=${error.microsoft?.requestId ?? '-'})`
                    : 'unknown'),
              ),
            );
          await this.create(target, want);
          await this.wake(row);
        } else if (verdict === 'renew') {
          await this.renewOrReplace(target, row);
        }
      } catch (error) {
        problems++;
        firstProblem ??= error;
        await this.failed(pbxTenantId, error);
      }
    }
    if (problems === 0) {
      await this.settings.recordHealthy(pbxTenantId);
      if (wanted.length > 0) await this.health.recordSuccess(pbxTenantId, HealthFeature.Subscriptions);
    } else {
      // One failure per reconciliation, however many subscriptions failed in it.
      await this.health.recordFailure(pbxTenantId, HealthFeature.Subscriptions, asException(firstProblem));
    }
  }

  private async create(target: GraphTarget, want: WantedSubscription): Promise<void> {
    const endpoint = notificationEndpoint(this.options);
    if (!endpoint.usable) return;
    const clientState = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const created = await this.graph.post<{ id: string; expirationDateTime: string }>(
      target,
      '/subscriptions',
      {
        changeType: CHANGE_TYPES[want.kind],
        notificationUrl: endpoint.notificationUrl,
        lifecycleNotificationUrl: endpoint.lifecycleNotificationUrl,
        resource: want.resource,
        expirationDateTime: requestedExpiration(want.kind, now, this.cap()).toISOString(),
        clientState,
        latestSupportedTlsVersion: 'v1_2',
      },
    );
    await this.em.fork().upsert(
      GraphSubscriptionEntity,
      Object.assign(new GraphSubscriptionEntity(), {
        pbxTenantId: target.pbxTenantId,
        subscriptionId: created.id,
        kind: want.kind,
        resource: want.resource,
        pbxUserId: want.pbxUserId,
        clientStateHash: hashClientState(clientState),
        expiresAt: new Date(created.expirationDateTime),
        createdAt: now,
      }),
      { onConflictFields: ['pbxTenantId', 'resource'] },
    );
  }

  private async renewOrReplace(target: GraphTarget, row: GraphSubscriptionEntity): Promise<void> {
    const now = this.clock.now();
    try {
      const renewed = await this.graph.patch<{ expirationDateTime: string }>(
        target,
        `/subscriptions/${row.subscriptionId}`,
        { expirationDateTime: requestedExpiration(row.kind, now, this.cap()).toISOString() },
      );
      await this.em
        .fork()
        .nativeUpdate(
          GraphSubscriptionEntity,
          { id: row.id },
          { expiresAt: new Date(renewed.expirationDateTime), renewedAt: now },
        );
    } catch (error) {
      if (!(error instanceof Microsoft365Exception) || error.code !== Microsoft365ErrorCode.GraphNotFound)
        throw error;
      // Graph no longer knows it (expired or removed): replace it and catch up on what was missed.
      await this.em.fork().nativeDelete(GraphSubscriptionEntity, { id: row.id });
      await this.create(target, { kind: row.kind, resource: row.resource, pbxUserId: row.pbxUserId });
      await this.wake(row);
    }
  }

  private async remove(target: GraphTarget, row: GraphSubscriptionEntity): Promise<void> {
    try {
      await this.graph.delete(target, `/subscriptions/${row.subscriptionId}`);
    } catch (error) {
      if (!(error instanceof Microsoft365Exception) || error.code !== Microsoft365ErrorCode.GraphNotFound) {
        await this.failed(target.pbxTenantId, error);
        return;
      }
    }
    await this.em.fork().nativeDelete(GraphSubscriptionEntity, { id: row.id });
  }

  private async target(pbxTenantId: string): Promise<GraphTarget | null> {
    return targetOf(await this.em.fork().findOne(TenantSettingsEntity, { pbxTenantId }));
  }

  private async failed(pbxTenantId: string, error: unknown): Promise<void> {
    const message =
      error instanceof Microsoft365Exception
        ? `${error.code}: ${error.message}`
        : 'INTERNAL: the subscription could not be created or renewed';
    this.logger.warn(`Change notifications of PBX tenant ${pbxTenantId}: ${message}`);
    await this.settings.recordFailure(pbxTenantId, message);
  }

  private cap(): number | undefined {
    return this.options.notifications?.maxSubscriptionLifetimeMinutes;
  }
}

/** Where the tenant's Graph calls go; null while it is switched off or not connected. */
function targetOf(tenant: TenantSettingsEntity | null): GraphTarget | null {
  if (!tenant?.enabled || !tenant.applicationId || !tenant.directoryId) return null;
  return { pbxTenantId: tenant.pbxTenantId, cloud: tenant.cloud };
}
