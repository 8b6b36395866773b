import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * Hits of one client on one rate-limited route within the current window, shared by every instance of the PBX.
 * The key is the throttler's SHA-256 of route and client address: no address is stored in clear.
 */
@Entity({ tableName: 'm365_rate_limit_counters' })
export class RateLimitCounterEntity {
  @PrimaryKey({ type: 'text' })
  key!: string;

  @Property({ type: 'integer' })
  hits!: number;

  @Property({ type: 'datetime' })
  windowEndsAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  blockedUntil: Date | null = null;
}
