/**
 * Presence change notifications with a service account, the pure part (docs/graph-notes.md §14): which
 * subscriptions a tenant needs for its linked users, and when each is renewed.
 * https://learn.microsoft.com/en-us/graph/changenotifications-for-presence
 */

/** "A maximum of 650 users can be subscribed in a single subscription." */
export const MAX_IDS_PER_PRESENCE_SUBSCRIPTION = 650;

/** "Subscriptions have a maximum expiration time of an hour"; we ask for less, for clock skew (§9). */
export const PRESENCE_SUBSCRIPTION_MAX_MINUTES = 60;
export const PRESENCE_SUBSCRIPTION_MINUTES = 55;

const MINUTE_MS = 60_000;

/**
 * Renewed once less than a third of the lifetime is left (18 minutes): the Teams presence tick runs every 30 s,
 * so even a few failed ticks in a row leave time before Graph drops it.
 */
export const PRESENCE_RENEW_BEFORE_MS = Math.round((PRESENCE_SUBSCRIPTION_MINUTES * MINUTE_MS) / 3);

/** The ids in groups of at most `max` (each group one subscription), in the order given. */
export function splitIds(ids: readonly string[], max = MAX_IDS_PER_PRESENCE_SUBSCRIPTION): string[][] {
  if (max < 1) throw new RangeError('max must be at least 1');
  const groups: string[][] = [];
  for (let start = 0; start < ids.length; start += max) groups.push(ids.slice(start, start + max));
  return groups;
}

/** The subscription resource for these users (object ids are GUIDs: nothing to escape). */
export function presenceResource(ids: readonly string[]): string {
  return `/communications/presences?$filter=id in (${ids.map((id) => `'${id}'`).join(',')})`;
}

export function presenceExpiration(now: Date): Date {
  return new Date(now.getTime() + PRESENCE_SUBSCRIPTION_MINUTES * MINUTE_MS);
}

export type PresenceRenewal = 'ok' | 'renew' | 'expired';

/** What a subscription expiring at `expiresAt` needs now. */
export function presenceRenewal(expiresAt: Date, now: Date): PresenceRenewal {
  const left = expiresAt.getTime() - now.getTime();
  if (left <= 0) return 'expired';
  return left <= PRESENCE_RENEW_BEFORE_MS ? 'renew' : 'ok';
}

export interface HeldPresenceSubscription {
  id: string;
  objectIds: readonly string[];
}

export interface PresenceSubscriptionPlan {
  /** Held subscriptions whose users are all still wanted. */
  keep: string[];
  /** Held subscriptions naming a user no longer wanted (a subscription's resource cannot be changed). */
  remove: string[];
  /** New subscriptions, each at most 650 users, for the wanted users no kept subscription covers. */
  create: string[][];
}

/**
 * Keeps what still fits, so that a user joining costs one new subscription rather than recreating all of them:
 * Graph lets a subscription's expiration and notification URL be changed, not its resource (Update subscription).
 * A held subscription naming a user who left is replaced, and its other users go with the new ones.
 */
export function planPresenceSubscriptions(
  held: readonly HeldPresenceSubscription[],
  wanted: readonly string[],
  max = MAX_IDS_PER_PRESENCE_SUBSCRIPTION,
): PresenceSubscriptionPlan {
  const wantedSet = new Set(wanted.map((id) => id.toLowerCase()));
  const covered = new Set<string>();
  const plan: PresenceSubscriptionPlan = { keep: [], remove: [], create: [] };
  for (const subscription of held) {
    const ids = subscription.objectIds.map((id) => id.toLowerCase());
    const fits =
      ids.length > 0 && ids.length <= max && ids.every((id) => wantedSet.has(id) && !covered.has(id));
    if (!fits) {
      plan.remove.push(subscription.id);
      continue;
    }
    plan.keep.push(subscription.id);
    for (const id of ids) covered.add(id);
  }
  const missing = [...new Set(wanted.map((id) => id.toLowerCase()))].filter((id) => !covered.has(id));
  plan.create = splitIds(missing, max);
  return plan;
}
