import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { CLOCK, type Clock } from '../common/clock';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { asException, HealthFeature } from '../health/feature-health';
import { FeatureHealthService } from '../health/feature-health.service';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { notificationEndpoint } from '../notifications/notification-endpoint';
import { hashClientState, verifyNotificationItems } from '../notifications/notification-client-state';
import { type Microsoft365Cloud } from '../settings/microsoft365-cloud';
import {
  planPresenceSubscriptions,
  presenceExpiration,
  presenceRenewal,
  presenceResource,
} from './presence-subscription-plan';
import { PresenceSubscriptionClient } from './presence-subscription.client';
import { type ChangeNotificationsStatusView } from './teams-presence-settings.dto';
import { PresenceSubscriptionEntity } from './presence-subscription.entity';
import { ServiceAccountService } from './service-account.service';
import { TeamsPresenceSettingsService } from './teams-presence-settings.service';
import { TeamsPresenceStore } from './teams-presence-state.store';

/**
 * While presence subscriptions are live, a full read still runs this often (or at the admin's interval when that
 * is slower): Graph can stop delivering without an error (docs/graph-notes.md §9), and a missed notification must
 * not leave a status wrong for long.
 */
export const SAFETY_POLL_SECONDS = 15 * 60;

/** What the tick does after the upkeep: `active` polls slowly, `failed` keeps the health as the failure left it. */
export type PresenceUpkeep = 'off' | 'active' | 'failed';

/**
 * Teams presence's change notifications (docs/graph-notes.md §14): on each Teams presence tick, holds the
 * presence subscriptions the tenant's linked users need (650 a subscription, 55 minutes, renewed a third before
 * expiry) with the service account's delegated token, and drops them when the option, the direction or the
 * account goes away. A notification names users; only those are read, through the poller, so mapping, loop
 * prevention and "a status set by hand wins" stay the poller's. An account Entra refuses is recorded in the
 * feature's health with Microsoft's code, and the tenant polls at its normal interval until it is signed in again.
 */
@Injectable()
export class PresenceSubscriptionManager {
  private readonly logger = new Logger(PresenceSubscriptionManager.name);

  constructor(
    private readonly em: EntityManager,
    private readonly settings: TeamsPresenceSettingsService,
    private readonly store: TeamsPresenceStore,
    private readonly account: ServiceAccountService,
    private readonly client: PresenceSubscriptionClient,
    private readonly health: FeatureHealthService,
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async held(pbxTenantId: string): Promise<PresenceSubscriptionEntity[]> {
    return this.em
      .fork()
      .find(PresenceSubscriptionEntity, { pbxTenantId }, { orderBy: { createdAt: 'asc' } });
  }

  /** Why change notifications are not used now, or null when they can be. */
  async unusableReason(pbxTenantId: string): Promise<string | null> {
    const settings = await this.settings.get(pbxTenantId);
    if (settings.changeNotifications !== 'serviceAccount') return 'Change notifications are off';
    if (!(await this.settings.directions(pbxTenantId)).fromTeams) return 'Teams → PBX is off';
    const endpoint = notificationEndpoint(this.options);
    if (!endpoint.usable) return endpoint.reason;
    const status = await this.account.status(pbxTenantId);
    if (!status) return 'No service account is signed in';
    if (status.failure) return `The service account can no longer sign in (${status.failure.microsoftCode})`;
    return null;
  }

  /** What the settings view says about change notifications. */
  async status(pbxTenantId: string): Promise<ChangeNotificationsStatusView> {
    const settings = await this.settings.get(pbxTenantId);
    const reason = await this.unusableReason(pbxTenantId);
    const subscriptions = (await this.held(pbxTenantId)).length;
    return {
      state:
        settings.changeNotifications === 'off'
          ? 'off'
          : reason === null && subscriptions > 0
            ? 'active'
            : 'polling',
      reason:
        settings.changeNotifications === 'off'
          ? null
          : (reason ?? (subscriptions > 0 ? null : 'Not subscribed yet')),
      serviceAccount: await this.account.status(pbxTenantId),
      redirectUri: this.account.redirectUri(),
      subscriptions,
      safetyPollIntervalSeconds: Math.max(settings.pollIntervalSeconds, SAFETY_POLL_SECONDS),
    };
  }

  async upkeep(pbxTenantId: string): Promise<PresenceUpkeep> {
    const reason = await this.unusableReason(pbxTenantId);
    const held = await this.held(pbxTenantId);
    if (reason !== null) {
      await this.dropAll(pbxTenantId, held);
      const status = await this.account.status(pbxTenantId);
      return status?.failure &&
        (await this.settings.get(pbxTenantId)).changeNotifications === 'serviceAccount'
        ? 'failed'
        : 'off';
    }
    const { cloud } = (await this.store.target(pbxTenantId)).target;
    // A token only when there is work (a create, renewal or removal, a few times an hour), always redeemed from the
    // refresh token: an account revoked in Entra is noticed at the next renewal, not when a cached token runs out.
    let token: string | undefined;
    const tokenOnce = async () => (token ??= await this.account.accessToken(pbxTenantId, true));
    try {
      await this.reconcile(pbxTenantId, cloud, tokenOnce, held);
    } catch (error) {
      // An account Entra refused is marked failed by now: recorded once, then polling takes over.
      await this.failed(pbxTenantId, error);
      if (!(await this.account.usable(pbxTenantId)))
        await this.dropAll(pbxTenantId, await this.held(pbxTenantId));
      return 'failed';
    }
    return (await this.held(pbxTenantId)).length > 0 ? 'active' : 'off';
  }

  /** For each notification item, its subscription if the clientState is the one we gave it, else null. */
  async verifyAll(
    items: readonly { subscriptionId?: unknown; clientState?: unknown }[],
  ): Promise<(PresenceSubscriptionEntity | null)[]> {
    return verifyNotificationItems(items, (ids) =>
      this.em.fork().find(PresenceSubscriptionEntity, { subscriptionId: { $in: ids } }),
    );
  }

  /** The users a notification names, among those the subscription watches (never anyone else). */
  async noted(row: PresenceSubscriptionEntity, userIds: readonly string[]): Promise<string[]> {
    await this.em
      .fork()
      .nativeUpdate(PresenceSubscriptionEntity, { id: row.id }, { lastNotificationAt: this.clock.now() });
    const watched = new Set(row.objectIds);
    return [...new Set(userIds.map((id) => id.toLowerCase()))].filter((id) => watched.has(id));
  }

  /** reauthorizationRequired (the only lifecycle event presence has): the next tick replaces it. */
  async lifecycle(row: PresenceSubscriptionEntity): Promise<void> {
    await this.em
      .fork()
      .nativeUpdate(PresenceSubscriptionEntity, { id: row.id }, { expiresAt: this.clock.now() });
  }

  private async reconcile(
    pbxTenantId: string,
    cloud: Microsoft365Cloud,
    token: () => Promise<string>,
    held: PresenceSubscriptionEntity[],
  ): Promise<void> {
    const now = this.clock.now();
    const live = held.filter((row) => presenceRenewal(row.expiresAt, now) !== 'expired');
    const expired = held.filter((row) => !live.includes(row));
    const wanted = (await this.store.linkedUsers(pbxTenantId)).map((user) => user.objectId);
    const plan = planPresenceSubscriptions(
      live.map((row) => ({ id: row.id, objectIds: row.objectIds })),
      wanted,
    );
    for (const row of [...expired, ...live.filter((r) => plan.remove.includes(r.id))]) {
      await this.remove(pbxTenantId, cloud, await token(), row);
    }
    for (const row of live.filter((r) => plan.keep.includes(r.id))) {
      if (presenceRenewal(row.expiresAt, now) !== 'renew') continue;
      try {
        const renewed = await this.client.renew(
          cloud,
          await token(),
          row.subscriptionId,
          presenceExpiration(now),
        );
        await this.em
          .fork()
          .nativeUpdate(
            PresenceSubscriptionEntity,
            { id: row.id },
            { expiresAt: new Date(renewed.expirationDateTime), renewedAt: now },
          );
      } catch (error) {
        if (!(error instanceof Microsoft365Exception) || error.code !== Microsoft365ErrorCode.GraphNotFound)
          throw error;
        // Graph no longer has it: created again with the same users below.
        await this.em.fork().nativeDelete(PresenceSubscriptionEntity, { id: row.id });
        plan.create.push([...row.objectIds]);
      }
    }
    for (const objectIds of plan.create) await this.create(pbxTenantId, cloud, await token(), objectIds);
  }

  private async create(
    pbxTenantId: string,
    cloud: Microsoft365Cloud,
    token: string,
    objectIds: string[],
  ): Promise<void> {
    const endpoint = notificationEndpoint(this.options);
    if (!endpoint.usable) return;
    const clientState = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    // Basic notifications (no includeResourceData): no encryption certificate; the users are read afterwards.
    const created = await this.client.create(cloud, token, {
      changeType: 'updated',
      notificationUrl: endpoint.notificationUrl,
      lifecycleNotificationUrl: endpoint.lifecycleNotificationUrl,
      resource: presenceResource(objectIds),
      expirationDateTime: presenceExpiration(now).toISOString(),
      clientState,
      latestSupportedTlsVersion: 'v1_2',
    });
    await this.em.fork().insert(PresenceSubscriptionEntity, {
      id: randomUUID(),
      pbxTenantId,
      subscriptionId: created.id,
      objectIds,
      clientStateHash: hashClientState(clientState),
      expiresAt: new Date(created.expirationDateTime),
      createdAt: now,
    });
  }

  private async remove(
    pbxTenantId: string,
    cloud: Microsoft365Cloud,
    token: string,
    row: PresenceSubscriptionEntity,
  ): Promise<void> {
    await this.client.remove(cloud, token, row.subscriptionId).catch((error: unknown) => {
      // It expires within the hour by itself; a failed delete is not worth failing the tick for.
      const exception = asException(error);
      this.logger.warn(
        `Presence subscription of PBX tenant ${pbxTenantId} not deleted at Microsoft (it expires by itself): ` +
          `${exception.code} (microsoftCode=${exception.microsoft?.code ?? '-'})`,
      );
    });
    await this.em.fork().nativeDelete(PresenceSubscriptionEntity, { id: row.id });
  }

  /** Without a usable account the subscriptions are only forgotten: they lapse within the hour at Microsoft. */
  private async dropAll(pbxTenantId: string, held: PresenceSubscriptionEntity[]): Promise<void> {
    if (held.length === 0) return;
    if (await this.account.usable(pbxTenantId)) {
      const { cloud } = (await this.store.target(pbxTenantId)).target;
      const token = await this.account.accessToken(pbxTenantId);
      for (const row of held) await this.remove(pbxTenantId, cloud, token, row);
      return;
    }
    await this.em.fork().nativeDelete(PresenceSubscriptionEntity, { pbxTenantId });
  }

  private async failed(pbxTenantId: string, error: unknown): Promise<void> {
    const exception = asException(error);
    this.logger.warn(
      `Teams presence change notifications of PBX tenant ${pbxTenantId} fall back to polling: ${exception.code} ` +
        `(microsoftCode=${exception.microsoft?.aadsts ? `AADSTS${exception.microsoft.aadsts}` : (exception.microsoft?.code ?? '-')})`,
    );
    await this.health.recordFailure(pbxTenantId, HealthFeature.TeamsPresence, exception);
  }
}
