import { type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { Logger } from '@nestjs/common';
import { rememberGraphFailure } from './graph-call-context';
import { meterRequest, meterResponse, meterRetry } from './graph-meter';
import { parseRetryAfter } from './parse-microsoft-error';
import { describeTransportError } from './msal-network-client';

/** Injection token of the {@link ResilienceSettings} (tests replace them to avoid real back-off waits). */
export const GRAPH_RESILIENCE_SETTINGS = Symbol('GRAPH_RESILIENCE_SETTINGS');

export interface ResilienceSettings {
  maxAttempts: number;
  /** Per attempt; Graph answers directory pages in about a second, mailbox pages in a few. */
  timeoutMs: number;
  /** Backoff when Graph gives no Retry-After. */
  baseDelayMs: number;
  /** Never wait longer than this for one retry, whatever Retry-After says. */
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
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

export class TransportFailure extends Error {
  constructor(
    readonly networkCode: string,
    readonly timedOut: boolean,
  ) {
    super(`Transport failure: ${networkCode}`);
    this.name = 'TransportFailure';
  }
}

export const defaultResilienceSettings = (): ResilienceSettings => ({
  maxAttempts: 6,
  timeoutMs: 30_000,
  baseDelayMs: 500,
  maxDelayMs: 120_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
});

/**
 * Retries what is safe to retry. 429 and 503 mean Graph did not process the request, so every method is retried
 * after `Retry-After`. 500/502/504 and timeouts may come after the work was done, so only requests that can be
 * repeated without effect (everything but POST, or a POST marked idempotent such as a $batch of GETs) are retried:
 * a sendMail is never sent twice.
 */
export class ResilienceMiddleware implements Middleware {
  private readonly logger = new Logger('GraphResilience');
  private next?: Middleware;

  constructor(private readonly settings: ResilienceSettings) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const next = this.next;
    if (!next) throw new Error('ResilienceMiddleware must not be last in the chain');
    const method = (context.options?.method ?? 'GET').toUpperCase();
    const headers = new Headers(context.options?.headers);
    const repeatable = method !== 'POST' || headers.get(IDEMPOTENT_HEADER) === 'true';
    headers.delete(IDEMPOTENT_HEADER);
    const baseOptions = { ...context.options, headers };

    for (let attempt = 1; ; attempt++) {
      context.options = { ...baseOptions, signal: AbortSignal.timeout(this.settings.timeoutMs) };
      context.response = undefined;
      meterRequest();
      try {
        await next.execute(context);
      } catch (error) {
        meterResponse(null);
        const { code, timedOut } = describeTransportError(error);
        // A refused connection never reached Graph: repeating it is always safe.
        const safe = repeatable || code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT';
        if (!safe || attempt >= this.settings.maxAttempts)
          throw rememberGraphFailure(new TransportFailure(code, timedOut));
        await this.wait({ attempt, delayMs: this.backoff(attempt), transportError: code, throttled: false });
        continue;
      }
      const response = context.response as Response | undefined;
      if (!response) return;
      const status = response.status;
      meterResponse(status);
      const throttled = status === 429 || status === 503;
      const retryable = throttled || (repeatable && (status === 500 || status === 502 || status === 504));
      if (!retryable || attempt >= this.settings.maxAttempts) return;
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      const delayMs =
        retryAfter !== undefined
          ? Math.min(retryAfter * 1000, this.settings.maxDelayMs)
          : this.backoff(attempt);
      // Drain the body so the connection returns to the pool.
      await response.arrayBuffer().catch(() => {
        // expected: a body that cannot be read is dropped with its connection; the retry does not need it.
      });
      await this.wait({
        attempt,
        delayMs,
        status,
        throttled: status === 429,
        requestId: response.headers.get('request-id') ?? undefined,
      });
    }
  }

  private backoff(attempt: number): number {
    const exponential = this.settings.baseDelayMs * 2 ** (attempt - 1);
    return Math.min(this.settings.maxDelayMs, exponential / 2 + Math.random() * (exponential / 2));
  }

  private async wait(event: RetryEvent): Promise<void> {
    this.logger.debug(
      `Retry ${event.attempt} in ${Math.round(event.delayMs)} ms (status=${event.status ?? '-'}, ` +
        `transport=${event.transportError ?? '-'}, requestId=${event.requestId ?? '-'})`,
    );
    this.settings.onRetry?.(event);
    meterRetry(event.delayMs, event.throttled);
    await this.settings.sleep(event.delayMs);
  }
}

/** Set on a POST whose repetition has no effect (e.g. a $batch of GETs); removed before it is sent. */
export const IDEMPOTENT_HEADER = 'x-pbx-idempotent';
