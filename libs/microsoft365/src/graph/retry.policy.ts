import { Logger } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { reportThrottled } from './adaptive.limiter';
import { firstRetryBudgetExhaustion, meterRetry, retriesThisRun } from './graph-meter';
import { parseRetryAfter } from './parse-microsoft-error';

/*
 * The one retry policy of the module: whether a failed call to Microsoft is sent again, and after how long, for
 * Graph requests (ResilienceMiddleware), $batch items (GraphApi), token requests (AppTokenProvider), attachment
 * upload chunks (AttachmentUploadClient) and the back-off of the run executor's failure record.
 *
 * Our own small module rather than cockatiel: cockatiel 4 requires Node >= 22 (we support Node 20.19 to 26) and
 * cockatiel 3 schedules its own timers, so it cannot wait through the injected `sleep` the tests rely on.
 *
 * The rules follow Microsoft's throttling guidance (https://learn.microsoft.com/en-us/graph/throttling): wait as
 * long as Retry-After says, otherwise back off exponentially.
 */

/** Injection token of the {@link ResilienceSettings} (tests replace them to avoid real back-off waits). */
export const GRAPH_RESILIENCE_SETTINGS = Symbol('GRAPH_RESILIENCE_SETTINGS');

export interface ResilienceSettings {
  /** Attempts of one request, the first included. */
  maxAttempts: number;
  /** Per attempt; Graph answers directory pages in about a second, mailbox pages in a few. */
  timeoutMs: number;
  /** Backoff when Graph gives no Retry-After. */
  baseDelayMs: number;
  /** Never wait longer than this for one retry, whatever Retry-After says. */
  maxDelayMs: number;
  /**
   * Retries one sync run may make in all (Graph requests, $batch rounds, token requests). Past it, failures are
   * final: a run against a Graph that keeps failing ends with Microsoft's code instead of waiting out
   * `maxAttempts` for every request. Calls outside a run (connection test, mail) have no budget.
   */
  retryBudgetPerRun: number;
  sleep: (ms: number) => Promise<void>;
  /** The jitter's random source, in [0, 1); tests fix it. */
  random?: () => number;
  /** Reports every wait, for run statistics. */
  onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
  attempt: number;
  delayMs: number;
  status?: number;
  transportError?: string;
  requestId?: string;
  throttled: boolean;
}

export const defaultResilienceSettings = (): ResilienceSettings => ({
  maxAttempts: 6,
  timeoutMs: 30_000,
  baseDelayMs: 500,
  maxDelayMs: 120_000,
  retryBudgetPerRun: 500,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
});

/** Set on a POST whose repetition has no effect (e.g. a $batch of GETs); removed before it is sent. */
export const IDEMPOTENT_HEADER = 'x-pbx-idempotent';

/** Whether sending the request twice has no more effect than sending it once: every method but POST, unless marked. */
export function isRepeatable(method: string, markedIdempotent: boolean): boolean {
  return method.toUpperCase() !== 'POST' || markedIdempotent;
}

/**
 * 429 and 503 mean Graph did not process the request, so any request is retried. 500, 502 and 504 may come after
 * the work was done, so only a repeatable request is: a sendMail is never sent twice.
 */
export function isRetryableStatus(status: number, repeatable: boolean): boolean {
  if (status === 429 || status === 503) return true;
  return repeatable && (status === 500 || status === 502 || status === 504);
}

/** Transport error codes (from `describeTransportError`) of a request that never reached the server. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * A refused connection or connect timeout never reached the server: always safe to repeat. A reset or a timeout
 * after sending may hide a request that was done, so only a repeatable request is retried.
 */
export function isRetryableTransportError(code: string, repeatable: boolean): boolean {
  return repeatable || NEVER_SENT.has(code);
}

/**
 * Entra's 429 and 5xx answers and unreachable endpoints (THROTTLED, UNAVAILABLE) are retried; refusals (wrong key,
 * wrong tenant, missing consent) are answers and are not.
 */
export function isRetryableTokenFailure(error: unknown): error is Microsoft365Exception {
  return (
    error instanceof Microsoft365Exception &&
    (error.code === Microsoft365ErrorCode.Throttled || error.code === Microsoft365ErrorCode.Unavailable)
  );
}

/** A failed attempt, reduced to what decides its retry and what the logs say about it (never the error itself). */
export interface FailedAttempt {
  /** The attempt that failed, from 1. */
  attempt: number;
  /** What the classification above said. */
  retryable: boolean;
  status?: number;
  transportError?: string;
  retryAfterSeconds?: number;
  microsoftCode?: string;
  requestId?: string;
}

/** A failed token request as a failed attempt; the exception carries Entra's status, code and Retry-After. */
export function failedTokenRequest(error: unknown, attempt: number): FailedAttempt {
  if (!isRetryableTokenFailure(error)) return { attempt, retryable: false };
  const microsoft = error.microsoft;
  const transport = microsoft?.status === undefined;
  return {
    attempt,
    retryable: true,
    status: microsoft?.status,
    retryAfterSeconds: microsoft?.retryAfterSeconds,
    // A transport failure's code is the socket's (ECONNRESET...), not Entra's.
    ...(transport ? { transportError: microsoft?.code } : { microsoftCode: microsoft?.code }),
    requestId: microsoft?.requestId,
  };
}

/** One item of a $batch answer (https://learn.microsoft.com/en-us/graph/json-batching). */
interface BatchItem {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * The retryable items of a $batch answer, as one failed attempt: Graph throttles items one by one (a 200 batch can
 * hold 429 items), each with its own Retry-After, and they are sent again together after the longest. Our batches
 * hold GETs and PATCHes only, so items are repeatable and a 500/502/504 item is retried like a GET would be.
 */
export function failedBatchItems<T extends BatchItem>(
  items: T[],
  attempt: number,
): { retry: T[]; failed: FailedAttempt } {
  const retry = items.filter((item) => isRetryableStatus(item.status, true));
  const retryAfters = retry
    .map((item) => parseRetryAfter(headerOf(item, 'retry-after')))
    .filter((seconds): seconds is number => seconds !== undefined);
  const first = retry.find((item) => item.status === 429) ?? retry[0];
  const code = (first?.body as { error?: { code?: unknown } } | undefined)?.error?.code;
  return {
    retry,
    failed: {
      attempt,
      retryable: retry.length > 0,
      status: first?.status,
      retryAfterSeconds: retryAfters.length > 0 ? Math.max(...retryAfters) : undefined,
      microsoftCode: typeof code === 'string' ? code : undefined,
      requestId: first ? headerOf(first, 'request-id') : undefined,
    },
  };
}

function headerOf(item: BatchItem, name: string): string | undefined {
  return Object.entries(item.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];
}

/** Decides and waits; constructed from the {@link ResilienceSettings} by each caller. */
export class RetryPolicy {
  private readonly logger = new Logger('GraphResilience');

  constructor(private readonly settings: ResilienceSettings) {}

  /**
   * Equal-jitter exponential back-off: half of `baseDelayMs * 2^(attempt-1)` fixed, half random, so clients that
   * failed together do not come back together; capped at `maxDelayMs`.
   */
  backoffMs(attempt: number): number {
    const exponential = this.settings.baseDelayMs * 2 ** (attempt - 1);
    const random = (this.settings.random ?? Math.random)();
    return Math.min(this.settings.maxDelayMs, exponential / 2 + random * (exponential / 2));
  }

  /** Retry-After when Microsoft sent one (capped at `maxDelayMs`), our back-off otherwise. */
  delayMs(attempt: number, retryAfterSeconds?: number): number {
    return retryAfterSeconds !== undefined
      ? Math.min(retryAfterSeconds * 1000, this.settings.maxDelayMs)
      : this.backoffMs(attempt);
  }

  /**
   * The wait before sending `failed` again, or undefined when it is final: not retryable, its last attempt, or the
   * run's retry budget spent. A retry is counted here, synchronously (metrics, the run's budget, `onRetry`, a debug
   * line), so that requests running side by side cannot overdraw the budget.
   */
  retryDelay(what: string, failed: FailedAttempt): number | undefined {
    // Every 429 tells the concurrency limiter of the task that made the request to slow down, retried or not.
    if (failed.status === 429) {
      const retryAfter = failed.retryAfterSeconds;
      reportThrottled(
        retryAfter === undefined ? undefined : Math.min(retryAfter * 1000, this.settings.maxDelayMs),
      );
    }
    if (!failed.retryable || failed.attempt >= this.settings.maxAttempts) return undefined;
    if (!this.withinRunBudget(what, failed)) return undefined;
    const delayMs = this.delayMs(failed.attempt, failed.retryAfterSeconds);
    const throttled = failed.status === 429;
    this.logger.debug(
      `Retry ${failed.attempt} of ${what} in ${Math.round(delayMs)} ms (${describe(failed)})`,
    );
    this.settings.onRetry?.({
      attempt: failed.attempt,
      delayMs,
      throttled,
      ...(failed.status !== undefined ? { status: failed.status } : {}),
      ...(failed.transportError !== undefined ? { transportError: failed.transportError } : {}),
      ...(failed.requestId !== undefined ? { requestId: failed.requestId } : {}),
    });
    meterRetry(delayMs, throttled);
    return delayMs;
  }

  /** {@link retryDelay}, then the wait: true when the caller should send again. */
  async retry(what: string, failed: FailedAttempt): Promise<boolean> {
    const delayMs = this.retryDelay(what, failed);
    if (delayMs === undefined) return false;
    await this.sleep(delayMs);
    return true;
  }

  sleep(ms: number): Promise<void> {
    return this.settings.sleep(ms);
  }

  private withinRunBudget(what: string, failed: FailedAttempt): boolean {
    const used = retriesThisRun();
    if (used === undefined || used < this.settings.retryBudgetPerRun) return true;
    const run = firstRetryBudgetExhaustion();
    if (run) {
      this.logger.warn(
        `${run.what} run ${run.runId} of PBX tenant ${run.pbxTenantId} spent its retry budget ` +
          `(${this.settings.retryBudgetPerRun} retries): ${what} fails as answered (${describe(failed)}), and so ` +
          'does every further failure of this run',
      );
    }
    return false;
  }
}

function describe(failed: FailedAttempt): string {
  return (
    `status=${failed.status ?? '-'}, microsoftCode=${failed.microsoftCode ?? '-'}, ` +
    `transport=${failed.transportError ?? '-'}, requestId=${failed.requestId ?? '-'}`
  );
}
