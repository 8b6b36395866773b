import type { GraphSubscription } from './graph-subscription';

/** All subscriptions of the emulator; expired ones disappear the next time somebody looks (as Graph deletes them). */
export class SubscriptionRegistry {
  private readonly byId = new Map<string, GraphSubscription>();

  add(subscription: GraphSubscription): void {
    this.byId.set(subscription.id, subscription);
  }

  remove(id: string): boolean {
    return this.byId.delete(id);
  }

  find(id: string, now: number): GraphSubscription | undefined {
    const subscription = this.byId.get(id.toLowerCase());
    if (subscription && !subscription.isLive(now)) {
      this.byId.delete(subscription.id);
      return undefined;
    }
    return subscription;
  }

  /** Live subscriptions of a tenant. */
  forTenant(tenantId: string, now: number): GraphSubscription[] {
    const result: GraphSubscription[] = [];
    for (const subscription of [...this.byId.values()]) {
      if (!subscription.isLive(now)) this.byId.delete(subscription.id);
      else if (subscription.tenantId === tenantId) result.push(subscription);
    }
    return result;
  }

  all(now: number): GraphSubscription[] {
    return [...this.byId.values()].filter((subscription) => subscription.isLive(now));
  }
}
