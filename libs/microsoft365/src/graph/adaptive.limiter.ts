import { AsyncLocalStorage } from 'node:async_hooks';

/*
 * The one concurrency limiter of the module. Graph reads that fan out over many mailboxes (photos, contacts,
 * calendars) go through one; so do the fixed fan-outs (`forEachLimited`).
 *
 * Adaptive (AIMD, as TCP): the number in flight grows while answers come back fast and unthrottled (doubling per
 * round trip until the first sign of congestion, then one more per round trip), and halves on a 429 or a latency
 * jump. A 429's Retry-After pauses new starts (of its key, when the task had one) for that long: Microsoft asks
 * clients to wait it out (https://learn.microsoft.com/en-us/graph/throttling). The retry of the throttled request
 * itself stays with the one retry policy (retry.policy.ts), which reports every 429 it sees here through
 * `reportThrottled`, $batch items included.
 *
 * Keys are mailboxes: Outlook runs at most 4 concurrent requests per app and mailbox and answers the fifth with
 * 429 MailboxConcurrency (https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits,
 * docs/graph-notes.md §6), so no key ever holds more than `perKey` slots, whatever the global limit.
 */

export interface AdaptiveLimiterOptions {
  /** Never fewer in flight than this (at least 1). */
  floor: number;
  /** Never more in flight than this. */
  ceiling: number;
  /** Where the limit starts (default: twice the floor, within the ceiling). */
  start?: number;
  /** Slots one key (mailbox) may hold at once (default 4, Outlook's limit). */
  perKey?: number;
  /** An answer slower than this many times the usual latency is a latency jump (default 2). */
  latencyJumpFactor?: number;
  /** Milliseconds; tests pass a fake clock. */
  now?: () => number;
}

/** Outlook's concurrent requests per app and mailbox (docs/graph-notes.md §6). */
export const MAILBOX_CONCURRENCY = 4;

/** Weight of the newest answer in the usual latency (an exponential moving average). */
const LATENCY_SMOOTHING = 0.1;

/**
 * Answers that make the usual latency before any answer counts as a jump: the first answer of a burst is its fastest
 * (the rest queued behind it on the same connections and CPUs), so a usual latency of one answer would call the
 * second a jump and halve a limit that was never too high.
 */
const LATENCY_SAMPLES_BEFORE_JUDGING = 8;

interface Waiter {
  /** Slots per key, each at most `perKey`. */
  keys: Map<string, number>;
  start: () => void;
}

interface TaskSignals {
  throttled(retryAfterMs: number | undefined): void;
}

const signals = new AsyncLocalStorage<TaskSignals>();

/**
 * Called by the retry policy for every 429 it sees: the limiter whose task made the request halves and pauses
 * for Retry-After. Outside a limited task it does nothing.
 */
export function reportThrottled(retryAfterMs: number | undefined): void {
  signals.getStore()?.throttled(retryAfterMs);
}

export class AdaptiveLimiter {
  readonly floor: number;
  readonly ceiling: number;
  private readonly perKey: number;
  private readonly jumpFactor: number;
  private readonly now: () => number;
  private current: number;
  private active = 0;
  private peakActive = 0;
  private readonly held = new Map<string, number>();
  private readonly waiting: Waiter[] = [];
  /** Until the first halving the limit doubles per round trip (slow start), then grows by one per round trip. */
  private slowStart = true;
  /** Tasks that started before the last halving report the congestion that caused it: not halved for twice. */
  private lastDecreaseAt = Number.NEGATIVE_INFINITY;
  private usualLatencyMs: number | undefined;
  private latencySamples = 0;
  private pausedUntil = 0;
  private readonly keyPausedUntil = new Map<string, number>();
  private timer: { handle: NodeJS.Timeout; at: number } | undefined;

  constructor(options: AdaptiveLimiterOptions) {
    const { floor, ceiling } = options;
    const perKey = options.perKey ?? MAILBOX_CONCURRENCY;
    for (const [name, value] of [
      ['floor', floor],
      ['ceiling', ceiling],
      ['perKey', perKey],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
    }
    if (ceiling < floor) throw new RangeError('ceiling must not be below floor');
    this.floor = floor;
    this.ceiling = ceiling;
    this.perKey = perKey;
    this.jumpFactor = options.latencyJumpFactor ?? 2;
    this.now = options.now ?? Date.now;
    this.current = Math.min(ceiling, Math.max(floor, options.start ?? floor * 2));
  }

  /** Tasks that may run at once now. */
  get limit(): number {
    return Math.floor(this.current);
  }

  get running(): number {
    return this.active;
  }

  /** The most tasks that ran at once since the limiter was made. */
  get peak(): number {
    return this.peakActive;
  }

  /**
   * Runs `task` once a slot is free, and a slot of each key in `keys` (a key listed n times takes n slots, at most
   * `perKey`: a $batch with 6 items of one mailbox runs 4 of them at once). Waiters start in order, except that
   * one whose mailbox is full lets the next one pass.
   */
  async run<T>(task: () => Promise<T>, keys: readonly string[] = []): Promise<T> {
    const weights = new Map<string, number>();
    for (const key of keys) weights.set(key, Math.min(this.perKey, (weights.get(key) ?? 0) + 1));
    await new Promise<void>((start) => {
      this.waiting.push({ keys: weights, start });
      this.pump();
    });
    const startedAt = this.now();
    // Only answers to requests sent while the limit was in use shape the usual latency: those sent as a burst
    // drains are answered faster, and would make the next full burst look like a latency jump.
    const full = this.active >= this.limit || this.waiting.length > 0;
    let throttled = false;
    const learns = this.floor < this.ceiling;
    const taskSignals: TaskSignals = {
      throttled: (retryAfterMs) => {
        throttled = true;
        this.onThrottled(startedAt, weights.size === 1 ? [...weights.keys()][0] : undefined, retryAfterMs);
      },
    };
    let ok = false;
    try {
      // A fixed limiter (floor = ceiling) does not learn, so an adaptive one around it still hears the 429s.
      const result = await (learns ? signals.run(taskSignals, task) : task());
      ok = true;
      return result;
    } finally {
      if (learns && ok && !throttled) this.onAnswered(startedAt, this.now() - startedAt, full);
      this.active--;
      for (const [key, weight] of weights) {
        const left = (this.held.get(key) ?? 0) - weight;
        if (left > 0) this.held.set(key, left);
        else this.held.delete(key);
      }
      this.pump();
    }
  }

  /** A fast answer raises the limit when the limit was what held the work back; a slow one halves it. */
  private onAnswered(startedAt: number, latencyMs: number, full: boolean): void {
    const usual = this.usualLatencyMs;
    const judged = usual !== undefined && this.latencySamples >= LATENCY_SAMPLES_BEFORE_JUDGING;
    if (full || usual === undefined) {
      this.latencySamples++;
      // Until it judges, the usual latency is the plain mean of the answers so far, not led by the first one.
      const weight = judged ? LATENCY_SMOOTHING : 1 / this.latencySamples;
      this.usualLatencyMs = usual === undefined ? latencyMs : usual + (latencyMs - usual) * weight;
    }
    if (judged && latencyMs > usual * this.jumpFactor) {
      this.decrease(startedAt);
      return;
    }
    // Only a limit in use is raised: a limiter fed fewer tasks than its limit learns nothing about more.
    const busy = this.active >= this.limit || this.waiting.length > 0;
    if (!busy) return;
    this.current = Math.min(this.ceiling, this.current + (this.slowStart ? 1 : 1 / this.current));
  }

  private onThrottled(startedAt: number, key: string | undefined, retryAfterMs: number | undefined): void {
    this.decrease(startedAt);
    if (retryAfterMs === undefined || retryAfterMs <= 0) return;
    const now = this.now();
    const until = now + retryAfterMs;
    // Pauses that ended are forgotten here, so mailboxes throttled once do not stay in memory.
    for (const [paused, end] of this.keyPausedUntil) if (end <= now) this.keyPausedUntil.delete(paused);
    if (key === undefined) this.pausedUntil = Math.max(this.pausedUntil, until);
    else this.keyPausedUntil.set(key, Math.max(this.keyPausedUntil.get(key) ?? 0, until));
  }

  private decrease(startedAt: number): void {
    if (startedAt < this.lastDecreaseAt) return;
    this.lastDecreaseAt = this.now();
    this.slowStart = false;
    this.current = Math.max(this.floor, this.current / 2);
  }

  /** Starts every waiter that fits; when a Retry-After pause holds some back, looks again when it ends. */
  private pump(): void {
    const now = this.now();
    let wakeAt = Number.POSITIVE_INFINITY;
    if (now < this.pausedUntil) {
      wakeAt = this.pausedUntil;
    } else {
      for (let index = 0; index < this.waiting.length && this.active < this.limit;) {
        const waiter = this.waiting[index] as Waiter;
        const pausedUntil = this.pauseOf(waiter, now);
        if (pausedUntil > now) wakeAt = Math.min(wakeAt, pausedUntil);
        if (pausedUntil > now || !this.keysFree(waiter)) {
          index++;
          continue;
        }
        this.waiting.splice(index, 1);
        this.active++;
        this.peakActive = Math.max(this.peakActive, this.active);
        for (const [key, weight] of waiter.keys) this.held.set(key, (this.held.get(key) ?? 0) + weight);
        waiter.start();
      }
    }
    if (wakeAt === Number.POSITIVE_INFINITY || this.waiting.length === 0) return;
    if (this.timer && this.timer.at <= wakeAt) return;
    if (this.timer) clearTimeout(this.timer.handle);
    const handle = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(1, wakeAt - now),
    );
    // A pause must not keep the process alive on its own.
    handle.unref();
    this.timer = { handle, at: wakeAt };
  }

  private pauseOf(waiter: Waiter, now: number): number {
    let until = 0;
    for (const key of waiter.keys.keys()) {
      const paused = this.keyPausedUntil.get(key);
      if (paused === undefined) continue;
      if (paused <= now) this.keyPausedUntil.delete(key);
      else until = Math.max(until, paused);
    }
    return until;
  }

  private keysFree(waiter: Waiter): boolean {
    for (const [key, weight] of waiter.keys) {
      if ((this.held.get(key) ?? 0) + weight > this.perKey) return false;
    }
    return true;
  }
}

/** Runs `work` over `items` with at most `limit` in flight; every item runs even when some fail. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const gate = new AdaptiveLimiter({ floor: limit, ceiling: limit });
  const results = await Promise.allSettled(items.map((item) => gate.run(() => work(item))));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
