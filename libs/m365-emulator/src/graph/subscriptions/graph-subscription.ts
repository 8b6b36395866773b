import type { SubscriptionTarget } from './subscription-resource';
import type { ResourceChangeType } from '../../state/resource-change.bus';

/** Delivery bookkeeping, readable through the control API. */
export interface DeliveryStats {
  delivered: number;
  failedAttempts: number;
  dropped: number;
  lastError: string | undefined;
}

/** A change-notification subscription (docs/graph-notes.md §9). */
export class GraphSubscription {
  readonly stats: DeliveryStats = { delivered: 0, failedAttempts: 0, dropped: 0, lastError: undefined };

  constructor(
    readonly id: string,
    readonly tenantId: string,
    readonly appId: string,
    readonly creatorId: string,
    readonly resource: string,
    readonly target: SubscriptionTarget,
    readonly changeTypes: readonly ResourceChangeType[],
    public notificationUrl: string,
    readonly lifecycleNotificationUrl: string | undefined,
    readonly clientState: string | undefined,
    public expiresAt: number,
    readonly latestSupportedTlsVersion: string,
  ) {}

  isLive(now: number): boolean {
    return this.expiresAt > now;
  }
}
