import { Inject, Injectable } from '@nestjs/common';
import { AdaptiveLimiter } from './adaptive.limiter';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';

/** What the limiter paces: requests of one kind answer in comparable times, so their latency can be compared. */
export type GraphFanOut = 'batches' | 'contacts' | 'calendars';

export const DEFAULT_GRAPH_CONCURRENCY = { floor: 4, start: 8, ceiling: 64 } as const;

/** The largest ceiling accepted: far above what one tenant's mailboxes gain from (Outlook limits each to 4). */
const MAX_CEILING = 256;

/**
 * One {@link AdaptiveLimiter} per PBX tenant and kind of fan-out, kept for the life of the process so that what a
 * run learnt (how many requests Graph answers at once without throttling) carries over to its next pages and runs.
 * Tenants are throttled apart by Microsoft (per app and tenant, per app and mailbox:
 * https://learn.microsoft.com/en-us/graph/throttling-limits), so they are paced apart too.
 */
@Injectable()
export class GraphConcurrency {
  readonly floor: number;
  readonly start: number;
  readonly ceiling: number;
  private readonly limiters = new Map<string, AdaptiveLimiter>();

  constructor(@Inject(MICROSOFT365_OPTIONS) options: Microsoft365ModuleOptions) {
    const { floor, start, ceiling } = { ...DEFAULT_GRAPH_CONCURRENCY, ...options.graphConcurrency };
    const valid = (value: number) => Number.isInteger(value) && value >= 1 && value <= MAX_CEILING;
    if (![floor, start, ceiling].every(valid) || !(floor <= start && start <= ceiling)) {
      // A boot-time mistake of the host's code: said at start-up, never found later in a run.
      throw new Error(
        `Microsoft365Module: graphConcurrency must be integers with 1 <= floor <= start <= ceiling <= ${MAX_CEILING}` +
          ` (got floor ${floor}, start ${start}, ceiling ${ceiling})`,
      );
    }
    this.floor = floor;
    this.start = start;
    this.ceiling = ceiling;
  }

  limiter(pbxTenantId: string, fanOut: GraphFanOut): AdaptiveLimiter {
    const key = `${pbxTenantId}|${fanOut}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new AdaptiveLimiter({ floor: this.floor, start: this.start, ceiling: this.ceiling });
      this.limiters.set(key, limiter);
    }
    return limiter;
  }
}
