import { type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import {
  IDEMPOTENT_HEADER,
  ResilienceMiddleware,
  type ResilienceSettings,
  TransportFailure,
} from './resilience.middleware';

type Step = { status: number; retryAfter?: string } | { error: Error };

function connectionError(code: string): Error {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
}

function setup(steps: Step[], overrides: Partial<ResilienceSettings> = {}) {
  const delays: number[] = [];
  const sent: RequestInit[] = [];
  const next: Middleware = {
    execute: async (context: Context) => {
      sent.push({ ...context.options });
      const step = steps.shift();
      if (!step) throw new Error('no more steps');
      if ('error' in step) throw step.error;
      const headers = step.retryAfter ? { 'retry-after': step.retryAfter } : undefined;
      context.response = new Response('{}', { status: step.status, headers });
      await Promise.resolve();
    },
  };
  const middleware = new ResilienceMiddleware({
    maxAttempts: 4,
    timeoutMs: 1000,
    baseDelayMs: 100,
    maxDelayMs: 10_000,
    retryBudgetPerRun: 500,
    random: () => 0.5,
    sleep: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
    ...overrides,
  });
  middleware.setNext(next);
  return { middleware, delays, sent };
}

async function run(middleware: ResilienceMiddleware, method: string, headers: Record<string, string> = {}) {
  const context: Context = { request: 'https://graph.example/v1.0/users', options: { method, headers } };
  await middleware.execute(context);
  return (context.response as Response).status;
}

describe(ResilienceMiddleware.name, () => {
  it('should wait as long as Retry-After says, then succeed', async () => {
    const { middleware, delays } = setup([
      { status: 429, retryAfter: '3' },
      { status: 429, retryAfter: '1' },
      { status: 200 },
    ]);
    expect(await run(middleware, 'GET')).toBe(200);
    expect(delays).toEqual([3000, 1000]);
  });

  it('should cap a huge Retry-After', async () => {
    const { middleware, delays } = setup([{ status: 503, retryAfter: '86400' }, { status: 200 }]);
    expect(await run(middleware, 'GET')).toBe(200);
    expect(delays).toEqual([10_000]);
  });

  it('should give up after the last attempt and hand back the last answer', async () => {
    const { middleware, delays } = setup([
      { status: 429 },
      { status: 429 },
      { status: 429 },
      { status: 429 },
    ]);
    expect(await run(middleware, 'GET')).toBe(429);
    expect(delays).toHaveLength(3);
  });

  it('should retry a POST on 429 and 503, which Graph did not process', async () => {
    const { middleware, sent } = setup([{ status: 429, retryAfter: '1' }, { status: 503 }, { status: 202 }]);
    expect(await run(middleware, 'POST')).toBe(202);
    expect(sent).toHaveLength(3);
  });

  it('should not retry a POST after 500/504 or a reset connection: it may have been done already', async () => {
    const gateway = setup([{ status: 504 }, { status: 202 }]);
    expect(await run(gateway.middleware, 'POST')).toBe(504);
    expect(gateway.sent).toHaveLength(1);
    const reset = setup([{ error: connectionError('ECONNRESET') }, { status: 202 }]);
    await expect(run(reset.middleware, 'POST')).rejects.toBeInstanceOf(TransportFailure);
    expect(reset.sent).toHaveLength(1);
  });

  it('should retry a POST whose connection was refused: it never reached Graph', async () => {
    const { middleware, sent } = setup([{ error: connectionError('ECONNREFUSED') }, { status: 202 }]);
    expect(await run(middleware, 'POST')).toBe(202);
    expect(sent).toHaveLength(2);
  });

  it('should retry GETs and POSTs marked idempotent on 5xx and transport errors, and strip the marker', async () => {
    const { middleware, sent } = setup([
      { status: 502 },
      { error: connectionError('ECONNRESET') },
      { status: 200 },
    ]);
    expect(await run(middleware, 'POST', { [IDEMPOTENT_HEADER]: 'true' })).toBe(200);
    expect(sent).toHaveLength(3);
    for (const options of sent) {
      expect(new Headers(options.headers as Record<string, string>).has(IDEMPOTENT_HEADER)).toBe(false);
      expect(options.signal).toBeInstanceOf(AbortSignal);
    }
  });

  it('should report a timeout as such after the retries', async () => {
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    const { middleware } = setup([
      { error: timeout },
      { error: timeout },
      { error: timeout },
      { error: timeout },
    ]);
    await expect(run(middleware, 'GET')).rejects.toMatchObject({ timedOut: true, networkCode: 'TIMEOUT' });
  });

  it("should hand the final answer back with its body unread, for the SDK to report Microsoft's code", async () => {
    const body = JSON.stringify({ error: { code: 'serviceNotAvailable', message: 'Try later' } });
    const middleware = new ResilienceMiddleware({
      maxAttempts: 2,
      timeoutMs: 1000,
      baseDelayMs: 100,
      maxDelayMs: 10_000,
      retryBudgetPerRun: 500,
      sleep: () => Promise.resolve(),
    });
    middleware.setNext({
      execute: (context: Context) => {
        context.response = new Response(body, { status: 503 });
        return Promise.resolve();
      },
    });
    const context: Context = { request: 'https://graph.example/v1.0/users', options: { method: 'GET' } };
    await middleware.execute(context);
    expect(await (context.response as Response).json()).toEqual(JSON.parse(body));
  });

  it('should report each wait for run statistics', async () => {
    const events: unknown[] = [];
    const { middleware } = setup([{ status: 429, retryAfter: '2' }, { status: 200 }], {
      onRetry: (e) => events.push(e),
    });
    await run(middleware, 'GET');
    expect(events).toEqual([
      expect.objectContaining({ attempt: 1, delayMs: 2000, status: 429, throttled: true }),
    ]);
  });
});
