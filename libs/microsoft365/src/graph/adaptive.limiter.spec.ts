import {
  AdaptiveLimiter,
  type AdaptiveLimiterOptions,
  forEachLimited,
  reportThrottled,
} from './adaptive.limiter';
import { defaultResilienceSettings, failedBatchItems, RetryPolicy } from './retry.policy';

/** What one simulated request does: how long it takes, and whether Graph throttles it (Retry-After in ms). */
interface Answer {
  latencyMs: number;
  throttled?: { retryAfterMs?: number };
  keys?: string[];
}

interface Simulation {
  limiter: AdaptiveLimiter;
  /** Start time of each task (fake clock). */
  started: number[];
  /** The limit after each task ended. */
  limits: number[];
  /** Most tasks of one key at once. */
  peakPerKey: Map<string, number>;
}

/** Runs `tasks` answers through a limiter on jest's fake clock; a throttled answer reports a 429 as the retry policy does. */
async function simulate(options: AdaptiveLimiterOptions, answers: Answer[]): Promise<Simulation> {
  const limiter = new AdaptiveLimiter(options);
  const started: number[] = [];
  const limits: number[] = [];
  const perKey = new Map<string, number>();
  const peakPerKey = new Map<string, number>();
  const all = Promise.all(
    answers.map((answer, index) =>
      limiter.run(async () => {
        started[index] = Date.now();
        for (const key of new Set(answer.keys)) {
          perKey.set(key, (perKey.get(key) ?? 0) + 1);
          peakPerKey.set(key, Math.max(peakPerKey.get(key) ?? 0, perKey.get(key) ?? 0));
        }
        await new Promise((resolve) => setTimeout(resolve, answer.latencyMs));
        if (answer.throttled) reportThrottled(answer.throttled.retryAfterMs);
        for (const key of new Set(answer.keys)) perKey.set(key, (perKey.get(key) ?? 0) - 1);
        // Read after the task ends: the limiter learns from it in its `finally`.
        void Promise.resolve().then(() => limits.push(limiter.limit));
      }, answer.keys),
    ),
  );
  await jest.runAllTimersAsync();
  await all;
  return { limiter, started, limits, peakPerKey };
}

const fast = (count: number, latencyMs = 100, keys?: string[]): Answer[] =>
  Array.from({ length: count }, () => ({ latencyMs, ...(keys ? { keys } : {}) }));

describe('AdaptiveLimiter', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  const cases: {
    name: string;
    options: AdaptiveLimiterOptions;
    answers: Answer[];
    expect: (s: Simulation) => void;
  }[] = [
    {
      name: 'fast, unthrottled answers raise the limit from its start to the ceiling',
      options: { floor: 2, ceiling: 32, start: 4 },
      answers: fast(300),
      expect: ({ limiter }) => {
        expect(limiter.limit).toBe(32);
        expect(limiter.peak).toBe(32);
      },
    },
    {
      name: 'slow start doubles per round trip: 4, 8, 16 in flight in the first three rounds',
      options: { floor: 2, ceiling: 64, start: 4 },
      answers: fast(4 + 8 + 16),
      expect: ({ started }) => {
        const rounds = [...new Set(started)].sort((a, b) => a - b);
        expect(rounds.map((at) => started.filter((s) => s === at).length)).toEqual([4, 8, 16]);
      },
    },
    {
      name: 'a limiter fed fewer tasks than its limit does not raise it',
      options: { floor: 2, ceiling: 32, start: 8 },
      answers: fast(3),
      expect: ({ limiter }) => expect(limiter.limit).toBe(8),
    },
    {
      name: 'a 429 halves the limit',
      options: { floor: 1, ceiling: 16, start: 16 },
      answers: [{ latencyMs: 100, throttled: {} }],
      expect: ({ limiter }) => expect(limiter.limit).toBe(8),
    },
    {
      name: 'a latency jump (twice the usual latency) halves the limit',
      options: { floor: 1, ceiling: 16, start: 16 },
      answers: [...fast(16), { latencyMs: 500 }],
      expect: ({ limiter, limits }) => {
        expect(Math.max(...limits)).toBe(16);
        expect(limiter.limit).toBe(8);
      },
    },
    {
      name: 'the first answers of a burst make the usual latency together: a second answer slower than the first is no jump',
      options: { floor: 1, ceiling: 16, start: 8 },
      answers: [{ latencyMs: 50 }, ...fast(7, 150)],
      expect: ({ limiter }) => expect(limiter.limit).toBeGreaterThanOrEqual(8),
    },
    {
      name: 'answers a little slower than usual are no jump',
      options: { floor: 1, ceiling: 16, start: 16 },
      answers: [...fast(16), { latencyMs: 150 }],
      expect: ({ limiter }) => expect(limiter.limit).toBe(16),
    },
    {
      name: '429s of one congestion halve once: the tasks in flight when it hit report the same congestion',
      options: { floor: 1, ceiling: 16, start: 16 },
      answers: Array.from({ length: 16 }, () => ({ latencyMs: 100, throttled: {} })),
      expect: ({ limiter }) => expect(limiter.limit).toBe(8),
    },
    {
      name: 'the limit never goes below the floor',
      options: { floor: 3, ceiling: 16, start: 8 },
      answers: Array.from({ length: 12 }, () => ({ latencyMs: 100, throttled: {} })),
      expect: ({ limiter }) => expect(limiter.limit).toBe(3),
    },
    {
      name: 'the limit never goes above the ceiling',
      options: { floor: 1, ceiling: 5, start: 5 },
      answers: fast(100),
      expect: ({ limiter }) => {
        expect(limiter.limit).toBe(5);
        expect(limiter.peak).toBe(5);
      },
    },
    {
      name: "a 429's Retry-After pauses every new start for that long",
      options: { floor: 1, ceiling: 4, start: 1 },
      answers: [{ latencyMs: 100, throttled: { retryAfterMs: 2_000 } }, ...fast(2)],
      expect: ({ started }) => {
        const [first, second, third] = started as [number, number, number];
        expect(second - first).toBe(100 + 2_000);
        expect(third).toBeGreaterThanOrEqual(second);
      },
    },
    {
      name: "a one-mailbox task's Retry-After pauses that mailbox only",
      options: { floor: 2, ceiling: 4, start: 4 },
      answers: [
        { latencyMs: 100, throttled: { retryAfterMs: 2_000 }, keys: ['a'] },
        ...fast(4, 100, ['b']),
        { latencyMs: 100, keys: ['a'] },
      ],
      expect: ({ started }) => {
        const t0 = started[0] ?? 0;
        // Mailbox b goes on (at the halved limit); mailbox a waits out its Retry-After.
        expect(started.slice(1, 5).every((at) => at - t0 < 1_000)).toBe(true);
        expect(started[5]).toBe(t0 + 100 + 2_000);
      },
    },
    {
      name: 'never more than 4 at once per mailbox, whatever the global limit',
      options: { floor: 32, ceiling: 64 },
      answers: [...fast(40, 100, ['a']), ...fast(40, 100, ['b'])],
      expect: ({ peakPerKey, limiter }) => {
        expect(peakPerKey.get('a')).toBe(4);
        expect(peakPerKey.get('b')).toBe(4);
        expect(limiter.peak).toBe(8);
      },
    },
    {
      name: 'a $batch holds a slot per item of each mailbox, at most 4: two of its items block a third task',
      options: { floor: 8, ceiling: 8, perKey: 4 },
      answers: [
        { latencyMs: 100, keys: ['a', 'a', 'b'] },
        { latencyMs: 100, keys: ['a', 'a', 'a'] },
        { latencyMs: 100, keys: ['a', 'a'] },
      ],
      expect: ({ started }) => {
        const t0 = started[0] ?? 0;
        expect(started[1]).toBe(t0 + 100);
        expect(started[2]).toBe(t0);
      },
    },
  ];

  it.each(cases)('$name', async ({ options, answers, expect: check }) => {
    check(await simulate(options, answers));
  });

  it('learns from the 429s the retry policy sees, $batch items included, and respects their Retry-After', async () => {
    const policy = new RetryPolicy({ ...defaultResilienceSettings(), sleep: () => Promise.resolve() });
    const limiter = new AdaptiveLimiter({ floor: 1, ceiling: 16, start: 16 });
    const { failed } = failedBatchItems(
      [
        { status: 200, body: {} },
        { status: 429, headers: { 'Retry-After': '3' } },
      ],
      1,
    );
    await limiter.run(() => Promise.resolve(policy.retryDelay('$batch items', failed)));
    expect(limiter.limit).toBe(8);
    let started = false;
    const next = limiter.run(() => Promise.resolve((started = true)));
    await jest.advanceTimersByTimeAsync(2_999);
    expect(started).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await next;
    expect(started).toBe(true);
  });

  it('answers while a burst drains do not lower the usual latency: the next full burst is no jump', async () => {
    const limiter = new AdaptiveLimiter({ floor: 1, ceiling: 4, start: 4 });
    const wave = (count: number, ms: number) =>
      Promise.all(
        Array.from({ length: count }, () =>
          limiter.run(() => new Promise((resolve) => setTimeout(resolve, ms))),
        ),
      );
    const run = async (work: Promise<unknown>) => {
      await jest.runAllTimersAsync();
      await work;
    };
    await run(wave(4, 300));
    for (let i = 0; i < 10; i++) await run(wave(1, 100));
    await run(wave(4, 500));
    expect(limiter.limit).toBe(4);
  });

  it('a 5xx the policy retries is no throttle', async () => {
    const policy = new RetryPolicy({ ...defaultResilienceSettings(), sleep: () => Promise.resolve() });
    const limiter = new AdaptiveLimiter({ floor: 1, ceiling: 16, start: 16 });
    await limiter.run(() =>
      Promise.resolve(policy.retryDelay('x', { attempt: 1, retryable: true, status: 503 })),
    );
    expect(limiter.limit).toBe(16);
  });

  it.each([
    [{ floor: 0, ceiling: 4 }, 'floor must be a positive integer'],
    [{ floor: 4, ceiling: 2 }, 'ceiling must not be below floor'],
    [{ floor: 1, ceiling: 4, perKey: 0 }, 'perKey must be a positive integer'],
  ])('rejects %j', (options, message) => {
    expect(() => new AdaptiveLimiter(options)).toThrow(message);
  });
});

describe('forEachLimited', () => {
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('never runs more than the limit at once, and starts them in order', async () => {
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    await forEachLimited(
      Array.from({ length: 20 }, (_, i) => i),
      4,
      async (i) => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await tick();
        running--;
      },
    );
    expect(peak).toBe(4);
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('finishes every item before reporting a failure', async () => {
    const done: number[] = [];
    await expect(
      forEachLimited([1, 2, 3], 2, async (n) => {
        await tick();
        if (n === 1) throw new Error('one failed');
        done.push(n);
      }),
    ).rejects.toThrow('one failed');
    expect(done.sort()).toEqual([2, 3]);
  });

  it('does not learn: a 429 inside reaches the adaptive limiter around it', async () => {
    const outer = new AdaptiveLimiter({ floor: 1, ceiling: 16, start: 16 });
    await outer.run(() => forEachLimited([1], 1, () => Promise.resolve(reportThrottled(undefined))));
    expect(outer.limit).toBe(8);
  });

  it('rejects a limit below one', async () => {
    await expect(forEachLimited([1], 0, () => Promise.resolve())).rejects.toThrow(RangeError);
  });
});
