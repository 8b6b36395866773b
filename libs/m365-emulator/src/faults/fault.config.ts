export interface LatencyConfig {
  /** Added to every Microsoft-facing request. */
  fixedMs: number;
  /** Uniform extra delay in [0, jitterMs), from the seeded PRNG. */
  jitterMs: number;
}

export interface FaultConfig {
  latency: LatencyConfig;
  /** Probability (0..1) that a request is answered with a random status from errorStatuses. */
  errorRate: number;
  errorStatuses: number[];
  /** Probability (0..1) that the socket is destroyed without an answer. */
  dropRate: number;
  /** Regex source; when set, latency/5xx/drops only hit matching paths. */
  routePattern: string | undefined;
  /** Seed for the fault PRNG: the same seed and request order give the same faults. */
  seed: number;
}

/** Outlook service limits per app ID + mailbox (docs/graph-notes.md §6). */
export interface OutlookLimitsConfig {
  enabled: boolean;
  /** "Outlook can execute up to 4 concurrent requests"; the 5th answers 429 MailboxConcurrency. */
  concurrentRequestsPerMailbox: number;
  /** 10,000 API requests per 10 minutes per app ID + mailbox. */
  requestsPer10Minutes: number;
  /**
   * How long an Outlook request keeps its concurrency slot (emulated mailbox processing time). Handlers answer
   * from memory in microseconds, so without a hold time concurrency could never exceed 1.
   */
  requestHoldMs: number;
}

export interface ThrottlingConfig {
  /** Directory resource-unit buckets per tenant+app (docs/graph-notes.md §6). */
  resourceUnits: boolean;
  /** Overrides the tenant-size quota (3,500 / 5,000 / 8,000 RU per 10 s). */
  quotaPer10Seconds: number | undefined;
  outlook: OutlookLimitsConfig;
}

/** What options and setThrottling accept: any subset, outlook limits included. */
export type ThrottlingInput = Partial<Omit<ThrottlingConfig, 'outlook'>> & {
  outlook?: Partial<OutlookLimitsConfig>;
};

export interface ThrottleNextInput {
  count: number;
  /** Regex source matched against the request path, e.g. "/oauth2/v2.0/token" or "^/v1.0/users". */
  route?: string;
  retryAfterSeconds?: number;
}

/**
 * The next N matching requests are processed (their effects happen: a mail is delivered) and then answered with
 * a 5xx, as when Graph's gateway loses the backend's answer (504 GatewayTimeout). Clients must not assume a 5xx
 * means "nothing happened".
 */
export interface FailAfterHandlingInput {
  count: number;
  /** Regex source matched against the request path, e.g. "/sendMail$". */
  route?: string;
  /** 500, 502, 503 or 504 (default 504). */
  status?: number;
}

export const DEFAULT_FAULT_CONFIG: FaultConfig = {
  latency: { fixedMs: 0, jitterMs: 0 },
  errorRate: 0,
  errorStatuses: [500, 502, 503, 504],
  dropRate: 0,
  routePattern: undefined,
  seed: 1,
};

export const DEFAULT_THROTTLING_CONFIG: ThrottlingConfig = {
  resourceUnits: true,
  quotaPer10Seconds: undefined,
  outlook: { enabled: true, concurrentRequestsPerMailbox: 4, requestsPer10Minutes: 10_000, requestHoldMs: 0 },
};
