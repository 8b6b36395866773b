import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { type ThrottlerStorage } from '@nestjs/throttler';
import { CLOCK, type Clock } from '../common/clock';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** Counters whose window and block have ended are deleted this often (by whichever instance gets there). */
const PURGE_INTERVAL_MS = 10 * 60_000;

/**
 * `@nestjs/throttler`'s storage in the module's PostgreSQL database, so that a limit holds across all instances of
 * the PBX. Each hit is one atomic upsert: a new window starts when the last one ended, and a client over the limit
 * is blocked for `blockDuration` (the throttler's default: one window).
 */
@Injectable()
export class PostgresThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(PostgresThrottlerStorage.name);
  private nextPurgeAt = 0;

  constructor(
    private readonly em: EntityManager,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
  ): Promise<ThrottlerStorageRecord> {
    const now = this.clock.now();
    const windowEnd = new Date(now.getTime() + ttl);
    const blockEnd = new Date(now.getTime() + blockDuration);
    const connection = this.em.fork().getConnection();
    const [row] = await connection.execute<
      { hits: number; window_ends_at: Date; blocked_until: Date | null }[]
    >(
      `insert into m365_rate_limit_counters as c (key, hits, window_ends_at, blocked_until)
       values (?, 1, ?, case when 1 > ? then ?::timestamptz end)
       on conflict (key) do update set
         hits = case when c.window_ends_at <= ? then 1 else c.hits + 1 end,
         window_ends_at = case when c.window_ends_at <= ? then ?::timestamptz else c.window_ends_at end,
         blocked_until = case
           when c.blocked_until > ? then c.blocked_until
           when (case when c.window_ends_at <= ? then 1 else c.hits + 1 end) > ? then ?::timestamptz
         end
       returning hits, window_ends_at, blocked_until`,
      [key, windowEnd, limit, blockEnd, now, now, windowEnd, now, now, limit, blockEnd],
    );
    void this.purge(now);
    const blockedUntil = row?.blocked_until ? new Date(row.blocked_until).getTime() : 0;
    const isBlocked = blockedUntil > now.getTime();
    return {
      totalHits: Number(row?.hits ?? 1),
      timeToExpire: seconds(new Date(row?.window_ends_at ?? windowEnd).getTime() - now.getTime()),
      isBlocked,
      timeToBlockExpire: isBlocked ? seconds(blockedUntil - now.getTime()) : 0,
    };
  }

  private async purge(now: Date): Promise<void> {
    if (now.getTime() < this.nextPurgeAt) return;
    this.nextPurgeAt = now.getTime() + PURGE_INTERVAL_MS;
    try {
      await this.em
        .fork()
        .getConnection()
        .execute(
          `delete from m365_rate_limit_counters
           where window_ends_at < ? and (blocked_until is null or blocked_until < ?)`,
          [now, now],
        );
    } catch (error) {
      this.logger.warn(
        `Purging rate limit counters failed: ${error instanceof Error ? error.name : 'unknown'}`,
      );
    }
  }
}

function seconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}
