import {
  SubscriptionKind,
  maxLifetimeMinutes,
  renewAt,
  requestedExpiration,
  requestedLifetimeMinutes,
  subscriptionVerdict,
} from './subscription-lifetime';

const MINUTE = 60_000;
const now = new Date('2026-11-22T12:00:00Z');
const plus = (minutes: number) => new Date(now.getTime() + minutes * MINUTE);

describe('subscription lifetimes', () => {
  it.each([
    [SubscriptionKind.Users, 41_760],
    [SubscriptionKind.Groups, 41_760],
    [SubscriptionKind.Events, 4_230],
    [SubscriptionKind.Contacts, 4_230],
  ])('%s may live %i minutes at most, and we ask for a little less', (kind, max) => {
    expect(maxLifetimeMinutes(kind)).toBe(max);
    expect(requestedLifetimeMinutes(kind)).toBe(max - 5);
    expect(requestedExpiration(kind, now)).toEqual(plus(max - 5));
  });

  it('honours a cap below the maximum, and ignores one above it', () => {
    expect(requestedLifetimeMinutes(SubscriptionKind.Events, 30)).toBe(30);
    expect(requestedLifetimeMinutes(SubscriptionKind.Events, 100_000)).toBe(4_225);
    expect(requestedLifetimeMinutes(SubscriptionKind.Events, 0)).toBe(4_225);
  });

  it('renews a third of the lifetime before expiry, at most a day and at least a minute before', () => {
    // Outlook: 4,225 min / 3 ≈ 23.5 h before expiry.
    expect(renewAt(SubscriptionKind.Events, plus(4_225)).getTime()).toBe(plus(4_225 - 4_225 / 3).getTime());
    // Directory: a third would be 9 days; a day before is plenty.
    expect(renewAt(SubscriptionKind.Users, plus(41_755))).toEqual(plus(41_755 - 24 * 60));
    expect(renewAt(SubscriptionKind.Users, plus(30), 30)).toEqual(plus(20));
    expect(renewAt(SubscriptionKind.Users, plus(2), 2)).toEqual(plus(1));
  });

  it.each([
    [plus(30), plus(0), 'ok'],
    [plus(30), plus(19), 'ok'],
    [plus(30), plus(20), 'renew'],
    [plus(30), plus(29), 'renew'],
    [plus(30), plus(30), 'expired'],
    [plus(30), plus(90), 'expired'],
  ] as const)('a subscription expiring at %s is %s at %s', (expiresAt, at, verdict) => {
    expect(subscriptionVerdict(SubscriptionKind.Users, expiresAt, at, 30)).toBe(verdict);
  });
});
