import type { EmulatorClock } from '../core/emulator.clock';
import type { OutlookLimitsConfig } from './fault.config';

export type OutlookAdmission =
  | { readonly admitted: true; release(): void }
  | {
      readonly admitted: false;
      readonly limit: 'concurrency' | 'requests';
      readonly retryAfterSeconds: number;
    };

/**
 * Requests admitted during one second of the emulator clock. `lastAt` is the time of the bucket's latest
 * request: the bucket stays in the window until that request is 10 minutes old, so the window is never more
 * lenient than an exact sliding log (at most `requestsPer10Minutes` in any 10-minute span).
 */
interface SecondBucket {
  readonly second: number;
  count: number;
  lastAt: number;
}

interface MailboxBudget {
  inFlight: number;
  /** Oldest first; at most 600 entries (one per second that saw a request), usually a handful. */
  buckets: SecondBucket[];
  /** Sum of the buckets' counts. */
  inWindow: number;
}

export const OUTLOOK_REQUEST_WINDOW_MS = 10 * 60_000;
const BUCKET_MS = 1000;

/**
 * Outlook's per app ID + mailbox limits (docs/graph-notes.md §6): concurrent requests, and 10,000 requests
 * per 10 minutes as a sliding window over the emulator clock. A continuously refilling token bucket would let
 * about 20,000 requests through in one real 10-minute span; the documented limit is a count per window.
 */
export class OutlookMailboxThrottle {
  private readonly budgets = new Map<string, MailboxBudget>();
  private configured: OutlookLimitsConfig | undefined;
  private sweptAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: EmulatorClock,
    private readonly limits: () => OutlookLimitsConfig,
  ) {}

  admit(tenantId: string, appId: string, mailboxUserId: string): OutlookAdmission {
    const limits = this.limits();
    if (!limits.enabled) return { admitted: true, release: () => undefined };
    if (this.configured !== limits) {
      // setThrottling replaced the limits: start from empty windows, as the RU throttle does. In-flight
      // requests keep their slots and release them as usual.
      this.configured = limits;
      for (const budget of this.budgets.values()) {
        budget.buckets = [];
        budget.inWindow = 0;
      }
    }
    const key = `${tenantId}/${appId}/${mailboxUserId}`;
    const now = this.clock.now();
    this.sweep(now);
    let budget = this.budgets.get(key);
    if (!budget) {
      budget = { inFlight: 0, buckets: [], inWindow: 0 };
      this.budgets.set(key, budget);
    }
    this.expire(budget, now);
    if (budget.inFlight >= limits.concurrentRequestsPerMailbox)
      return { admitted: false, limit: 'concurrency', retryAfterSeconds: 1 };
    if (budget.inWindow >= limits.requestsPer10Minutes) {
      return {
        admitted: false,
        limit: 'requests',
        retryAfterSeconds: this.secondsUntilFree(budget, limits.requestsPer10Minutes, now),
      };
    }
    this.count(budget, now);
    budget.inFlight += 1;
    let released = false;
    const admitted = budget;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        admitted.inFlight -= 1;
      },
    };
  }

  /** Mailboxes currently tracked (in flight or with requests in their window); for memory checks. */
  trackedMailboxes(): number {
    return this.budgets.size;
  }

  /**
   * Once per window, forgets mailboxes whose window emptied and that hold no slot, so a run that touches
   * 100k mailboxes once does not keep 100k budgets.
   */
  private sweep(now: number): void {
    if (now - this.sweptAt < OUTLOOK_REQUEST_WINDOW_MS && now >= this.sweptAt) return;
    this.sweptAt = now;
    for (const [key, budget] of this.budgets) {
      this.expire(budget, now);
      if (budget.inFlight === 0 && budget.inWindow === 0) this.budgets.delete(key);
    }
  }

  private expire(budget: MailboxBudget, now: number): void {
    let drop = 0;
    for (const bucket of budget.buckets) {
      if (now - bucket.lastAt < OUTLOOK_REQUEST_WINDOW_MS) break;
      budget.inWindow -= bucket.count;
      drop += 1;
    }
    if (drop > 0) budget.buckets.splice(0, drop);
  }

  private count(budget: MailboxBudget, now: number): void {
    const second = Math.floor(now / BUCKET_MS);
    const last = budget.buckets[budget.buckets.length - 1];
    if (last && last.second === second) {
      last.count += 1;
      last.lastAt = Math.max(last.lastAt, now);
    } else {
      budget.buckets.push({ second, count: 1, lastAt: now });
    }
    budget.inWindow += 1;
  }

  /** When enough of the oldest requests have left the window for one more to fit. */
  private secondsUntilFree(budget: MailboxBudget, limit: number, now: number): number {
    let remaining = budget.inWindow;
    for (const bucket of budget.buckets) {
      remaining -= bucket.count;
      if (remaining < limit) {
        return Math.max(1, Math.ceil((bucket.lastAt + OUTLOOK_REQUEST_WINDOW_MS - now) / BUCKET_MS));
      }
    }
    return 1;
  }
}
