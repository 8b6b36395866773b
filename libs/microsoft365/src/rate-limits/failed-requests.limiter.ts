import { Inject, Injectable, Logger } from '@nestjs/common';
import { type ThrottlerStorage } from '@nestjs/throttler';
import { CLOCK, type Clock } from '../common/clock';

/** Where the guard counts (the host's storage, or the module's PostgreSQL table); see rate-limit.guard.ts. */
export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

/** What the guard found out about a request of a failures-only route, for counting it if it fails. */
export interface FailureCount {
  key: string;
  name: string;
  limit: number;
  ttlMs: number;
  blockDurationMs: number;
}

/** Blocks remembered by this instance before the oldest expired ones are swept (a flood from many addresses). */
const SWEEP_ABOVE = 10_000;

/**
 * A limit that counts only the requests that fail: the sign-in callback's. A callback that signs someone in needs
 * a state that a rate-limited login created, and each state works once, so successes are bounded by the login's
 * limit already; what is left to stop is a client sending callbacks that fail (made-up or used states, refused
 * codes). Those are counted in the shared storage, as every limit is; a success costs no statement.
 *
 * Whether an address is blocked is known here, from this instance's own failed requests: when a failure's count
 * crosses the limit (on whichever instance), the storage answers "blocked" and that instance refuses the address
 * until the block ends, without asking the storage. Another instance learns it at its next failure from that
 * address, so each instance lets at most one more failure through.
 */
@Injectable()
export class FailedRequestsLimiter {
  private readonly logger = new Logger(FailedRequestsLimiter.name);
  private readonly blockedUntil = new Map<string, number>();
  private readonly counts = new WeakMap<object, FailureCount>();

  constructor(
    @Inject(RATE_LIMIT_STORAGE) private readonly storage: ThrottlerStorage,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Seconds until the key's block ends, or 0 when it is not blocked here. */
  blockedFor(key: string): number {
    const until = this.blockedUntil.get(key);
    if (until === undefined) return 0;
    const left = until - this.clock.now().getTime();
    if (left > 0) return Math.ceil(left / 1000);
    this.blockedUntil.delete(key);
    return 0;
  }

  /** Called by the guard: the request is let through; it counts if {@link recordFailure} is called for it. */
  expectOutcome(request: object, count: FailureCount): void {
    this.counts.set(request, count);
  }

  /**
   * Counts a failed request of a failures-only route; undefined for other requests (nothing to count). Never
   * rejects: the request has failed already and its answer must not change; a storage that cannot count is logged.
   */
  recordFailure(request: object): Promise<void> | undefined {
    const count = this.counts.get(request);
    if (!count) return undefined;
    this.counts.delete(request);
    return this.count(count);
  }

  private async count(count: FailureCount): Promise<void> {
    try {
      // The storage blocks once the hits exceed the limit it is given, the way a throttler refuses the request that
      // exceeds it. Here the failure is counted after it was let through: the block starts at the limit-th one.
      const record = await this.storage.increment(
        count.key,
        count.ttlMs,
        count.limit - 1,
        count.blockDurationMs,
        count.name,
      );
      if (record.isBlocked) this.block(count.key, record.timeToBlockExpire);
    } catch (error) {
      this.logger.warn(
        `A failed ${count.name} request was not counted: ${error instanceof Error ? error.name : 'unknown'}`,
      );
    }
  }

  private block(key: string, seconds: number): void {
    const now = this.clock.now().getTime();
    if (this.blockedUntil.size >= SWEEP_ABOVE) {
      for (const [blocked, until] of this.blockedUntil) if (until <= now) this.blockedUntil.delete(blocked);
    }
    this.blockedUntil.set(key, now + Math.max(1, seconds) * 1000);
  }
}
