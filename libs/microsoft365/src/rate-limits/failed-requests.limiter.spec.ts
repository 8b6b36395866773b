import { FailedRequestsLimiter, type FailureCount } from './failed-requests.limiter';

const COUNT: FailureCount = {
  key: 'k',
  name: 'signInFailures',
  limit: 3,
  ttlMs: 60_000,
  blockDurationMs: 60_000,
};

function limiterWith(increment: jest.Mock) {
  let now = Date.parse('2026-12-06T12:00:00Z');
  const limiter = new FailedRequestsLimiter(
    { increment },
    {
      now: () => new Date(now),
    },
  );
  return { limiter, advance: (ms: number) => (now += ms) };
}

const record = (isBlocked: boolean, timeToBlockExpire = 0) => ({
  totalHits: 1,
  timeToExpire: 60,
  isBlocked,
  timeToBlockExpire,
});

describe('FailedRequestsLimiter', () => {
  it('counts nothing for a request the guard did not let through as failures-only', () => {
    const increment = jest.fn();
    const { limiter } = limiterWith(increment);
    expect(limiter.recordFailure({})).toBeUndefined();
    expect(increment).not.toHaveBeenCalled();
  });

  it('counts a failure once, blocking from the limit-th failure (the storage blocks above the limit it gets)', async () => {
    const increment = jest.fn().mockResolvedValue(record(false));
    const { limiter } = limiterWith(increment);
    const request = {};
    limiter.expectOutcome(request, COUNT);
    await limiter.recordFailure(request);
    expect(limiter.recordFailure(request)).toBeUndefined();
    expect(increment).toHaveBeenCalledTimes(1);
    expect(increment).toHaveBeenCalledWith('k', 60_000, 2, 60_000, 'signInFailures');
    expect(limiter.blockedFor('k')).toBe(0);
  });

  it('remembers a block the storage answers until it ends', async () => {
    const increment = jest.fn().mockResolvedValue(record(true, 60));
    const { limiter, advance } = limiterWith(increment);
    const request = {};
    limiter.expectOutcome(request, COUNT);
    await limiter.recordFailure(request);
    expect(limiter.blockedFor('k')).toBe(60);
    expect(limiter.blockedFor('other')).toBe(0);
    advance(59_500);
    expect(limiter.blockedFor('k')).toBe(1);
    advance(500);
    expect(limiter.blockedFor('k')).toBe(0);
  });

  it('never rejects when the storage cannot count (the failed request keeps its answer)', async () => {
    const increment = jest.fn().mockRejectedValue(new Error('connection refused'));
    const { limiter } = limiterWith(increment);
    const request = {};
    limiter.expectOutcome(request, COUNT);
    await expect(limiter.recordFailure(request)).resolves.toBeUndefined();
    expect(limiter.blockedFor('k')).toBe(0);
  });
});
