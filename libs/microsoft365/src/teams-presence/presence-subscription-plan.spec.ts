import {
  MAX_IDS_PER_PRESENCE_SUBSCRIPTION,
  planPresenceSubscriptions,
  presenceExpiration,
  presenceRenewal,
  presenceResource,
  splitIds,
} from './presence-subscription-plan';

const ids = (count: number, prefix = 'u') => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

describe('presence subscription plan', () => {
  it('splits users into subscriptions of at most 650', () => {
    expect(MAX_IDS_PER_PRESENCE_SUBSCRIPTION).toBe(650);
    expect(splitIds([])).toEqual([]);
    expect(splitIds(ids(650)).map((group) => group.length)).toEqual([650]);
    expect(splitIds(ids(651)).map((group) => group.length)).toEqual([650, 1]);
    expect(splitIds(ids(1400)).map((group) => group.length)).toEqual([650, 650, 100]);
    expect(splitIds(ids(1400)).flat()).toEqual(ids(1400));
    expect(() => splitIds(ids(2), 0)).toThrow(RangeError);
  });

  it('names the users in the documented filter', () => {
    expect(presenceResource(['a', 'b'])).toBe("/communications/presences?$filter=id in ('a','b')");
  });

  it('asks for 55 minutes and renews once less than a third is left, replaces an expired one', () => {
    const now = new Date('2026-12-06T10:00:00Z');
    const expires = presenceExpiration(now);
    expect(expires.toISOString()).toBe('2026-12-06T10:55:00.000Z');
    expect(presenceRenewal(expires, now)).toBe('ok');
    expect(presenceRenewal(expires, new Date('2026-12-06T10:36:00Z'))).toBe('ok');
    expect(presenceRenewal(expires, new Date('2026-12-06T10:37:00Z'))).toBe('renew');
    expect(presenceRenewal(expires, new Date('2026-12-06T10:55:00Z'))).toBe('expired');
  });

  it('keeps subscriptions that still fit and creates one for new users only', () => {
    const held = [{ id: 's1', objectIds: ['A', 'b'] }];
    expect(planPresenceSubscriptions(held, ['a', 'b', 'c'])).toEqual({
      keep: ['s1'],
      remove: [],
      create: [['c']],
    });
    expect(planPresenceSubscriptions(held, ['a', 'b'])).toEqual({ keep: ['s1'], remove: [], create: [] });
  });

  it('replaces a subscription naming a user who left, and removes everything when nobody is wanted', () => {
    const held = [
      { id: 's1', objectIds: ['a', 'b'] },
      { id: 's2', objectIds: ['c'] },
    ];
    expect(planPresenceSubscriptions(held, ['a', 'c'])).toEqual({
      keep: ['s2'],
      remove: ['s1'],
      create: [['a']],
    });
    expect(planPresenceSubscriptions(held, [])).toEqual({ keep: [], remove: ['s1', 's2'], create: [] });
  });

  it('never lets two subscriptions watch the same user, nor one watch more than the limit', () => {
    const held = [
      { id: 's1', objectIds: ['a'] },
      { id: 's2', objectIds: ['a', 'b'] },
      { id: 's3', objectIds: ids(3, 'x') },
    ];
    const plan = planPresenceSubscriptions(held, ['a', 'b', ...ids(3, 'x')], 2);
    expect(plan).toEqual({
      keep: ['s1'],
      remove: ['s2', 's3'],
      create: [
        ['b', 'x0'],
        ['x1', 'x2'],
      ],
    });
  });
});
