import type { EmulatorClock } from '../core/emulator.clock';
import {
  DEFAULT_THROTTLING_CONFIG,
  type OutlookLimitsConfig,
  type ThrottlingConfig,
  type ThrottlingInput,
} from './fault.config';

export type ChargeResult =
  | { readonly allowed: true; readonly cost: number; readonly usedFraction: number }
  | { readonly allowed: false; readonly cost: number; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const WINDOW_MS = 10_000;

/**
 * Identity & access resource-unit budget per tenant+app (docs/graph-notes.md §6), simplified to one
 * continuously refilling token bucket of the 10-second quota. The write quota and the cross-tenant app quota
 * are not modelled.
 */
export class ResourceUnitThrottle {
  private config: ThrottlingConfig;
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: EmulatorClock,
    config: ThrottlingInput = {},
  ) {
    this.config = DEFAULT_THROTTLING_CONFIG;
    this.configure(config);
  }

  /** Holds the whole throttling configuration; the Outlook limiter reads its part from here. */
  configure(changes: ThrottlingInput): ThrottlingConfig {
    const outlook = { ...this.config.outlook, ...(changes.outlook ?? {}) };
    for (const value of [outlook.concurrentRequestsPerMailbox, outlook.requestsPer10Minutes]) {
      if (!Number.isInteger(value) || value < 1)
        throw new RangeError('Outlook limits must be positive integers');
    }
    this.config = { ...this.config, ...changes, outlook };
    this.buckets.clear();
    return this.snapshot();
  }

  snapshot(): ThrottlingConfig {
    return { ...this.config, outlook: { ...this.config.outlook } };
  }

  get outlookLimits(): OutlookLimitsConfig {
    return this.config.outlook;
  }

  /** S (<50 users) 3,500, M (50-500) 5,000, L (>500) 8,000 RU per 10 s. */
  quotaFor(tenantUserCount: number): number {
    if (this.config.quotaPer10Seconds !== undefined) return this.config.quotaPer10Seconds;
    if (tenantUserCount < 50) return 3500;
    if (tenantUserCount <= 500) return 5000;
    return 8000;
  }

  charge(tenantId: string, appId: string, tenantUserCount: number, cost: number): ChargeResult {
    if (!this.config.resourceUnits) return { allowed: true, cost, usedFraction: 0 };
    const quota = this.quotaFor(tenantUserCount);
    const key = `${tenantId}/${appId}`;
    const now = this.clock.now();
    const bucket = this.buckets.get(key) ?? { tokens: quota, updatedAt: now };
    const refillPerMs = quota / WINDOW_MS;
    bucket.tokens = Math.min(quota, bucket.tokens + Math.max(0, now - bucket.updatedAt) * refillPerMs);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < cost) {
      const retryAfterSeconds = Math.max(1, Math.ceil((cost - bucket.tokens) / refillPerMs / 1000));
      return { allowed: false, cost, retryAfterSeconds };
    }
    bucket.tokens -= cost;
    return { allowed: true, cost, usedFraction: (quota - bucket.tokens) / quota };
  }
}
