import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorClock } from '../../core/emulator.clock';
import type { GraphSubscription } from './graph-subscription';
import type { SubscriptionRegistry } from './subscription.registry';
import { targetMatches } from './subscription-resource';
import type { WebhookConfig } from './webhook.config';
import type { WebhookClient } from './webhook.client';
import type { ResourceChange } from '../../state/resource-change.bus';
import type { TenantState } from '../../state/tenant.state';

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

interface PendingBatch {
  readonly subscription: GraphSubscription;
  readonly items: Record<string, unknown>[];
  timer: NodeJS.Timeout | undefined;
}

/** Graph writes subscription expirations with seven fractional digits. */
export function graphDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '0000Z');
}

const RESOURCE_NAMES: Readonly<Record<ResourceChange['kind'], { path: string; type: string }>> = {
  user: { path: 'Users', type: '#Microsoft.Graph.User' },
  group: { path: 'Groups', type: '#Microsoft.Graph.Group' },
  contact: { path: 'Contacts', type: '#Microsoft.Graph.Contact' },
  event: { path: 'Events', type: '#Microsoft.Graph.Event' },
  presence: { path: 'communications/presences', type: '#microsoft.graph.presence' },
};

/**
 * A basic presence notification, as Microsoft's example shows it: the user's id in `resourceData`, no availability
 * or activity (those come only encrypted, with resource data)
 * (https://learn.microsoft.com/en-us/graph/changenotifications-for-presence, "Basic presence notifications").
 */
function presenceNotification(
  subscription: GraphSubscription,
  change: ResourceChange,
): Record<string, unknown> {
  return {
    id: randomUUID(),
    subscriptionId: subscription.id,
    clientState: subscription.clientState ?? null,
    changeType: change.changeType,
    tenantId: subscription.tenantId,
    resource: `communications/presences/${change.id}`,
    subscriptionExpirationDateTime: graphDateTime(subscription.expiresAt),
    resourceData: {
      '@odata.id': `users/${change.id}/presence`,
      '@odata.type': '#microsoft.graph.presence',
      id: change.id,
    },
    organizationId: subscription.tenantId,
  };
}

/**
 * Turns directory and mailbox changes into change notifications (docs/graph-notes.md §9): batched per
 * subscription for a short window, POSTed as a changeNotificationCollection, retried a few times when the
 * receiver fails or is slower than 3 s. Expired subscriptions stop receiving anything.
 */
export class ChangeNotificationDispatcher {
  private readonly watched = new Set<string>();
  private readonly pending = new Map<string, PendingBatch>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly registry: SubscriptionRegistry,
    private readonly clock: EmulatorClock,
    private readonly client: WebhookClient,
    private readonly config: WebhookConfig,
  ) {}

  /** Starts listening to a tenant's changes (once, when its first subscription is created). */
  watch(tenant: TenantState): void {
    if (this.watched.has(tenant.id)) return;
    this.watched.add(tenant.id);
    tenant.changes.listen((change) => this.onChange(tenant.id, change));
  }

  async lifecycle(subscription: GraphSubscription, lifecycleEvent: LifecycleEvent): Promise<boolean> {
    const url = subscription.lifecycleNotificationUrl;
    if (url === undefined) return false;
    const item = {
      subscriptionId: subscription.id,
      subscriptionExpirationDateTime: graphDateTime(subscription.expiresAt),
      tenantId: subscription.tenantId,
      clientState: subscription.clientState ?? null,
      lifecycleEvent,
    };
    return this.track(this.deliver(subscription, url, [item]));
  }

  /** Sends everything queued now and waits for all deliveries, retries included. */
  async flush(): Promise<void> {
    while (this.pending.size > 0 || this.inFlight.size > 0) {
      for (const batch of [...this.pending.values()]) {
        if (batch.timer) clearTimeout(batch.timer);
        this.send(batch);
      }
      await Promise.all([...this.inFlight]);
    }
  }

  close(): void {
    this.closed = true;
    for (const batch of this.pending.values()) if (batch.timer) clearTimeout(batch.timer);
    this.pending.clear();
  }

  private onChange(tenantId: string, change: ResourceChange): void {
    if (this.closed) return;
    const now = this.clock.now();
    for (const subscription of this.registry.forTenant(tenantId, now)) {
      if (
        !subscription.changeTypes.includes(change.changeType) ||
        !targetMatches(subscription.target, change)
      )
        continue;
      this.enqueue(subscription, this.notification(subscription, change));
    }
  }

  private notification(subscription: GraphSubscription, change: ResourceChange): Record<string, unknown> {
    if (change.kind === 'presence') return presenceNotification(subscription, change);
    const names = RESOURCE_NAMES[change.kind];
    const resource =
      change.userId !== undefined && (change.kind === 'contact' || change.kind === 'event')
        ? `Users/${change.userId}/${names.path}/${change.id}`
        : `${names.path}/${change.id}`;
    const resourceData: Record<string, unknown> = {
      '@odata.type': names.type,
      '@odata.id': resource,
      ...(change.changeKey !== undefined ? { '@odata.etag': `W/"${change.changeKey}"` } : {}),
      id: change.id,
      ...(change.kind === 'user' || change.kind === 'group' ? { organizationId: subscription.tenantId } : {}),
    };
    return {
      id: randomUUID(),
      subscriptionId: subscription.id,
      subscriptionExpirationDateTime: graphDateTime(subscription.expiresAt),
      changeType: change.changeType,
      resource,
      resourceData,
      clientState: subscription.clientState ?? null,
      tenantId: subscription.tenantId,
    };
  }

  private enqueue(subscription: GraphSubscription, item: Record<string, unknown>): void {
    let batch = this.pending.get(subscription.id);
    if (!batch) {
      batch = { subscription, items: [], timer: undefined };
      this.pending.set(subscription.id, batch);
      const scheduled = batch;
      batch.timer = setTimeout(() => this.send(scheduled), this.config.batchDelayMs);
      batch.timer.unref();
    }
    batch.items.push(item);
  }

  private send(batch: PendingBatch): void {
    if (this.pending.get(batch.subscription.id) !== batch) return;
    this.pending.delete(batch.subscription.id);
    void this.track(this.deliver(batch.subscription, batch.subscription.notificationUrl, batch.items));
  }

  private track(delivery: Promise<boolean>): Promise<boolean> {
    const done = delivery.then(() => undefined);
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
    return delivery;
  }

  private async deliver(
    subscription: GraphSubscription,
    url: string,
    items: Record<string, unknown>[],
  ): Promise<boolean> {
    const body = JSON.stringify({ value: items });
    for (let attempt = 0; attempt <= this.config.retryDelaysMs.length; attempt++) {
      if (attempt > 0) await sleep(this.config.retryDelaysMs[attempt - 1] ?? 0, undefined, { ref: false });
      if (this.closed || !subscription.isLive(this.clock.now())) break;
      const outcome = await this.client.post(
        url,
        body,
        'application/json; charset=utf-8',
        this.config.deliveryTimeoutMs,
      );
      if (outcome.kind === 'answered' && outcome.status >= 200 && outcome.status < 300) {
        subscription.stats.delivered += items.length;
        return true;
      }
      subscription.stats.failedAttempts += 1;
      subscription.stats.lastError =
        outcome.kind === 'answered'
          ? `HTTP ${outcome.status}`
          : outcome.kind === 'timeout'
            ? 'timeout'
            : outcome.reason;
    }
    subscription.stats.dropped += items.length;
    return false;
  }
}
