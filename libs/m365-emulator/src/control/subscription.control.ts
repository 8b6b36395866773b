import type { EmulatorClock } from '../core/emulator.clock';
import { ControlError } from './control.error';
import type { SubscriptionInfo } from './mailbox-control.types';
import {
  graphDateTime,
  type ChangeNotificationDispatcher,
  type LifecycleEvent,
} from '../graph/subscriptions/change-notification.dispatcher';
import type { GraphSubscription } from '../graph/subscriptions/graph-subscription';
import type { SubscriptionRegistry } from '../graph/subscriptions/subscription.registry';
import { isOutlookResource } from '../graph/subscriptions/subscription-resource';

const LIFECYCLE_EVENTS: readonly LifecycleEvent[] = [
  'reauthorizationRequired',
  'subscriptionRemoved',
  'missed',
];

/** Control operations for change-notification subscriptions (EmulatorControl delegates here). */
export class SubscriptionControl {
  constructor(
    private readonly registry: SubscriptionRegistry,
    private readonly dispatcher: ChangeNotificationDispatcher,
    private readonly clock: EmulatorClock,
  ) {}

  listSubscriptions(input: { tenant?: string } = {}): SubscriptionInfo[] {
    return this.registry
      .all(this.clock.now())
      .filter(
        (subscription) => input.tenant === undefined || subscription.tenantId === input.tenant.toLowerCase(),
      )
      .map((subscription) => this.describe(subscription));
  }

  /**
   * Sends a lifecycle notification to the subscription's lifecycleNotificationUrl. subscriptionRemoved and
   * missed exist for Outlook resources only (docs/graph-notes.md §9); subscriptionRemoved also deletes the
   * subscription.
   */
  async triggerLifecycleNotification(input: {
    subscriptionId: string;
    lifecycleEvent: LifecycleEvent;
  }): Promise<{ delivered: boolean }> {
    const subscription = this.registry.find(input.subscriptionId ?? '', this.clock.now());
    if (!subscription) throw ControlError.notFound(`Subscription ${input.subscriptionId}`);
    if (!LIFECYCLE_EVENTS.includes(input.lifecycleEvent))
      throw ControlError.invalid(`lifecycleEvent must be one of ${LIFECYCLE_EVENTS.join(', ')}`);
    if (input.lifecycleEvent !== 'reauthorizationRequired' && !isOutlookResource(subscription.target.kind))
      throw ControlError.invalid(`${input.lifecycleEvent} is only sent for Outlook resources`);
    if (subscription.lifecycleNotificationUrl === undefined)
      throw ControlError.invalid('The subscription has no lifecycleNotificationUrl');
    if (input.lifecycleEvent === 'subscriptionRemoved') this.registry.remove(subscription.id);
    const delivered = await this.dispatcher.lifecycle(subscription, input.lifecycleEvent);
    return { delivered };
  }

  /** Waits until every queued change notification has been delivered (or given up on). */
  async flushNotifications(_input: object = {}): Promise<{ flushed: true }> {
    await this.dispatcher.flush();
    return { flushed: true };
  }

  private describe(subscription: GraphSubscription): SubscriptionInfo {
    return {
      id: subscription.id,
      tenantId: subscription.tenantId,
      applicationId: subscription.appId,
      resource: subscription.resource,
      changeType: subscription.changeTypes.join(','),
      notificationUrl: subscription.notificationUrl,
      lifecycleNotificationUrl: subscription.lifecycleNotificationUrl ?? null,
      clientState: subscription.clientState ?? null,
      expirationDateTime: graphDateTime(subscription.expiresAt),
      stats: { ...subscription.stats },
    };
  }
}
