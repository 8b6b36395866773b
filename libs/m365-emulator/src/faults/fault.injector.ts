import { SeededRandom } from '../core/seeded.random';
import {
  DEFAULT_FAULT_CONFIG,
  type FailAfterHandlingInput,
  type FaultConfig,
  type ThrottleNextInput,
} from './fault.config';

export interface FaultDecision {
  readonly drop: boolean;
  readonly latencyMs: number;
  readonly errorStatus: number | undefined;
}

interface ThrottleRule {
  remaining: number;
  readonly pattern: RegExp | undefined;
  readonly retryAfterSeconds: number;
}

interface FailAfterRule {
  remaining: number;
  readonly pattern: RegExp | undefined;
  readonly status: number;
}

/** Latency, random 5xx and dropped connections, all drawn from one seeded PRNG for reproducible runs. */
export class FaultInjector {
  private config: FaultConfig;
  private random: SeededRandom;
  /** Separate stream for $batch items, so batching doesn't shift the faults external requests get. */
  private itemRandom: SeededRandom;
  private routePattern: RegExp | undefined;
  private readonly throttleRules: ThrottleRule[] = [];
  private readonly failAfterRules: FailAfterRule[] = [];

  constructor(config: Partial<FaultConfig> = {}) {
    this.config = { ...DEFAULT_FAULT_CONFIG };
    this.random = new SeededRandom(this.config.seed);
    this.itemRandom = new SeededRandom(this.config.seed + 1);
    this.configure(config);
  }

  configure(changes: Partial<FaultConfig>): FaultConfig {
    this.config = {
      ...this.config,
      ...changes,
      latency: { ...this.config.latency, ...(changes.latency ?? {}) },
    };
    for (const rate of [this.config.errorRate, this.config.dropRate]) {
      if (!(rate >= 0 && rate <= 1)) throw new RangeError('Fault rates must be between 0 and 1');
    }
    this.routePattern = this.config.routePattern ? new RegExp(this.config.routePattern) : undefined;
    if (changes.seed !== undefined) {
      this.random = new SeededRandom(changes.seed);
      this.itemRandom = new SeededRandom(changes.seed + 1);
    }
    return this.snapshot();
  }

  snapshot(): FaultConfig {
    return {
      ...this.config,
      latency: { ...this.config.latency },
      errorStatuses: [...this.config.errorStatuses],
    };
  }

  /** Always draws the same number of values so one fault setting doesn't shift the others' sequence. */
  decide(path: string): FaultDecision {
    const dropRoll = this.random.next();
    const errorRoll = this.random.next();
    const jitterRoll = this.random.next();
    const statusRoll = this.random.next();
    if (this.routePattern && !this.routePattern.test(path))
      return { drop: false, latencyMs: 0, errorStatus: undefined };
    const { latency, errorRate, dropRate, errorStatuses } = this.config;
    return {
      drop: dropRoll < dropRate,
      latencyMs: latency.fixedMs + Math.floor(jitterRoll * latency.jitterMs),
      errorStatus:
        errorRoll < errorRate && errorStatuses.length > 0
          ? errorStatuses[Math.floor(statusRoll * errorStatuses.length)]
          : undefined,
    };
  }

  /**
   * The injected latency of an Outlook item inside $batch: the time it occupies its mailbox (no drops or 5xx:
   * those hit the outer request). Other batch items get none; they run in parallel within the outer latency.
   */
  batchItemLatency(path: string): number {
    const jitterRoll = this.itemRandom.next();
    if (this.routePattern && !this.routePattern.test(path)) return 0;
    const { latency } = this.config;
    return latency.fixedMs + Math.floor(jitterRoll * latency.jitterMs);
  }

  throttleNext(input: ThrottleNextInput): void {
    if (!Number.isInteger(input.count) || input.count < 1)
      throw new RangeError('count must be a positive integer');
    this.throttleRules.push({
      remaining: input.count,
      pattern: input.route ? new RegExp(input.route) : undefined,
      retryAfterSeconds: input.retryAfterSeconds ?? 2,
    });
  }

  /** Retry-After seconds when a "throttle next N" rule consumes this request. */
  takeForcedThrottle(path: string): number | undefined {
    const rule = this.throttleRules.find((candidate) => !candidate.pattern || candidate.pattern.test(path));
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.throttleRules.splice(this.throttleRules.indexOf(rule), 1);
    return rule.retryAfterSeconds;
  }

  clearForcedThrottles(): void {
    this.throttleRules.length = 0;
    this.failAfterRules.length = 0;
  }

  failAfterHandlingNext(input: FailAfterHandlingInput): void {
    if (!Number.isInteger(input.count) || input.count < 1)
      throw new RangeError('count must be a positive integer');
    const status = input.status ?? 504;
    if (![500, 502, 503, 504].includes(status)) throw new RangeError('status must be 500, 502, 503 or 504');
    this.failAfterRules.push({
      remaining: input.count,
      pattern: input.route ? new RegExp(input.route) : undefined,
      status,
    });
  }

  /** The status to answer after the handler ran, when a "fail after handling" rule consumes this request. */
  takeFailAfterHandling(path: string): number | undefined {
    const rule = this.failAfterRules.find((candidate) => !candidate.pattern || candidate.pattern.test(path));
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.failAfterRules.splice(this.failAfterRules.indexOf(rule), 1);
    return rule.status;
  }
}
