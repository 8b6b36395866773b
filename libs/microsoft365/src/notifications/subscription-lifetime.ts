/** What a subscription watches; each kind has its own maximum lifetime and its own consequence. */
export enum SubscriptionKind {
  Users = 'USERS',
  Groups = 'GROUPS',
  Events = 'EVENTS',
  Contacts = 'CONTACTS',
}

const MINUTE_MS = 60_000;

/**
 * Graph's maximum lifetimes (docs/graph-notes.md §9): directory objects 41,760 min, Outlook items 4,230 min.
 */
export function maxLifetimeMinutes(kind: SubscriptionKind): number {
  return kind === SubscriptionKind.Users || kind === SubscriptionKind.Groups ? 41_760 : 4_230;
}

/**
 * Our clock and Microsoft's differ a little, and the request takes time: asking for exactly the maximum would be
 * refused with "Subscription expiration can only be N minutes in the future".
 */
export const CLOCK_SKEW_MARGIN_MINUTES = 5;

/** The lifetime we ask for: the maximum less the margin, or less when the host caps it. */
export function requestedLifetimeMinutes(kind: SubscriptionKind, capMinutes?: number): number {
  const max = maxLifetimeMinutes(kind) - CLOCK_SKEW_MARGIN_MINUTES;
  return capMinutes !== undefined && capMinutes > 0 ? Math.min(max, capMinutes) : max;
}

export function requestedExpiration(kind: SubscriptionKind, now: Date, capMinutes?: number): Date {
  return new Date(now.getTime() + requestedLifetimeMinutes(kind, capMinutes) * MINUTE_MS);
}

/**
 * When to renew: a third of the lifetime before expiry, but never less than the margin a few failed ticks need,
 * so one unreachable Graph call does not lose the subscription (Outlook subscriptions live under 3 days).
 */
export function renewAt(kind: SubscriptionKind, expiresAt: Date, capMinutes?: number): Date {
  const lifetimeMs = requestedLifetimeMinutes(kind, capMinutes) * MINUTE_MS;
  const before = Math.min(Math.max(lifetimeMs / 3, 1 * MINUTE_MS), 24 * 60 * MINUTE_MS);
  return new Date(expiresAt.getTime() - before);
}

export type SubscriptionVerdict = 'ok' | 'renew' | 'expired';

export function subscriptionVerdict(
  kind: SubscriptionKind,
  expiresAt: Date,
  now: Date,
  capMinutes?: number,
): SubscriptionVerdict {
  if (expiresAt.getTime() <= now.getTime()) return 'expired';
  return renewAt(kind, expiresAt, capMinutes).getTime() <= now.getTime() ? 'renew' : 'ok';
}
