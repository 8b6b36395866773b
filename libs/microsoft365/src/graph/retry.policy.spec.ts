import { Logger } from '@nestjs/common';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { newGraphMeter, withGraphFeature, withGraphMeter } from './graph-meter';
import { describeTransportError } from './msal-network-client';
import { toMicrosoft365Exception } from './parse-microsoft-error';
import {
  failedBatchItems,
  failedTokenRequest,
  isRepeatable,
  isRetryableStatus,
  isRetryableTokenFailure,
  isRetryableTransportError,
  type ResilienceSettings,
  RetryPolicy,
} from './retry.policy';

function settings(overrides: Partial<ResilienceSettings> = {}): ResilienceSettings {
  return {
    maxAttempts: 6,
    timeoutMs: 1000,
    baseDelayMs: 100,
    maxDelayMs: 10_000,
    retryBudgetPerRun: 500,
    random: () => 0.5,
    sleep: () => Promise.resolve(),
    ...overrides,
  };
}

const RUN = { runId: 'run-1', pbxTenantId: 'tenant-1', what: 'User sync' };

describe('RetryPolicy classification', () => {
  // status, method, marked idempotent, retried?
  it.each([
    [429, 'GET', false, true],
    [429, 'POST', false, true],
    [503, 'POST', false, true],
    [503, 'PATCH', false, true],
    [500, 'GET', false, true],
    [502, 'DELETE', false, true],
    [504, 'PUT', false, true],
    [504, 'PATCH', false, true],
    [500, 'POST', false, false],
    [502, 'POST', false, false],
    [504, 'POST', false, false],
    [500, 'POST', true, true],
    [502, 'post', true, true],
    [504, 'POST', true, true],
    [501, 'GET', false, false],
    [400, 'GET', false, false],
    [401, 'GET', false, false],
    [403, 'POST', true, false],
    [404, 'GET', false, false],
    [409, 'PATCH', false, false],
    [410, 'GET', false, false],
    [200, 'GET', false, false],
  ])('status %i on %s (idempotent: %s) is retried: %s', (status, method, idempotent, retried) => {
    expect(isRetryableStatus(status, isRepeatable(method, idempotent))).toBe(retried);
  });

  const connectionError = (code: string) =>
    new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
  const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });

  // the error, repeatable request, retried?
  it.each([
    ['ECONNREFUSED', connectionError('ECONNREFUSED'), false, true],
    ['UND_ERR_CONNECT_TIMEOUT', connectionError('UND_ERR_CONNECT_TIMEOUT'), false, true],
    ['ECONNRESET', connectionError('ECONNRESET'), false, false],
    ['UND_ERR_HEADERS_TIMEOUT', connectionError('UND_ERR_HEADERS_TIMEOUT'), false, false],
    ['a timeout', timeout, false, false],
    ['ECONNRESET', connectionError('ECONNRESET'), true, true],
    ['a timeout', timeout, true, true],
    ['ECONNREFUSED', connectionError('ECONNREFUSED'), true, true],
  ])('transport error %s (repeatable: %s) is retried: %s', (_name, error, repeatable, retried) => {
    expect(isRetryableTransportError(describeTransportError(error).code, repeatable)).toBe(retried);
  });

  const tokenFailure = (status: number | undefined, message?: string, networkCode?: string) =>
    toMicrosoft365Exception({ source: 'token', status, message, networkCode, code: 'invalid_client' });

  it.each([
    ['Entra throttling (429)', tokenFailure(429), true],
    ['an Entra 5xx', tokenFailure(503), true],
    ['an unreachable Entra', tokenFailure(undefined, undefined, 'ECONNRESET'), true],
    ['a wrong tenant (AADSTS90002)', tokenFailure(400, 'AADSTS90002: Tenant not found'), false],
    ['an unknown application (AADSTS700016)', tokenFailure(400, 'AADSTS700016: not found'), false],
    ['a wrong key (AADSTS700027)', tokenFailure(401, 'AADSTS700027: key not found'), false],
    ['any other refusal', tokenFailure(400, 'AADSTS7000215: invalid secret'), false],
    ['an error of ours', new Error('MSAL returned no access token'), false],
  ])('a token failure from %s is retried: %s', (_name, error, retried) => {
    expect(isRetryableTokenFailure(error)).toBe(retried);
    expect(failedTokenRequest(error, 1).retryable).toBe(retried);
  });

  it('reads status, Retry-After and request id of a token failure, and a transport code as such', () => {
    const throttled = toMicrosoft365Exception({
      source: 'token',
      status: 429,
      code: 'temporarily_unavailable',
      retryAfter: '7',
      requestId: 'req-1',
    });
    expect(failedTokenRequest(throttled, 2)).toEqual({
      attempt: 2,
      retryable: true,
      status: 429,
      retryAfterSeconds: 7,
      microsoftCode: 'temporarily_unavailable',
      requestId: 'req-1',
    });
    const unreachable = new Microsoft365Exception(Microsoft365ErrorCode.Unavailable, 'down', {
      microsoft: { code: 'ECONNRESET' },
    });
    expect(failedTokenRequest(unreachable, 1)).toMatchObject({ transportError: 'ECONNRESET' });
  });

  // the items' statuses and Retry-After headers, ids retried, longest Retry-After
  it.each([
    [[{ status: 200 }, { status: 404 }, { status: 403 }], [], undefined],
    [[{ status: 429, retryAfter: '3' }, { status: 200 }], ['0'], 3],
    [[{ status: 503 }, { status: 504 }], ['0', '1'], undefined],
    [[{ status: 500 }, { status: 502 }, { status: 400 }], ['0', '1'], undefined],
    [
      [{ status: 429, retryAfter: '2' }, { status: 503, retryAfter: '9' }, { status: 500 }],
      ['0', '1', '2'],
      9,
    ],
  ])('batch items %j: retried %j after Retry-After %s', (items, retried, retryAfter) => {
    const answer = items.map((item, index) => {
      // Graph's items carry headers in any case.
      const headers: Record<string, string> =
        'retryAfter' in item ? { 'Retry-After': String(item.retryAfter) } : {};
      return { id: String(index), status: item.status, headers };
    });
    const { retry, failed } = failedBatchItems(answer, 1);
    expect(retry.map((item) => item.id)).toEqual(retried);
    expect(failed.retryable).toBe(retried.length > 0);
    expect(failed.retryAfterSeconds).toBe(retryAfter);
  });

  it('reports a throttled batch item first, with its code and request id', () => {
    const { failed } = failedBatchItems(
      [
        { id: 'a', status: 503, headers: { 'request-id': 'r-a' } },
        {
          id: 'b',
          status: 429,
          headers: { 'request-id': 'r-b' },
          body: { error: { code: 'TooManyRequests' } },
        },
      ],
      1,
    );
    expect(failed).toMatchObject({ status: 429, microsoftCode: 'TooManyRequests', requestId: 'r-b' });
  });
});

describe('RetryPolicy delays', () => {
  // Retry-After seconds, delay: Microsoft's wait, capped at maxDelayMs (10 s here)
  it.each([
    [0, 0],
    [1, 1000],
    [7, 7000],
    [10, 10_000],
    [86_400, 10_000],
  ])('waits Retry-After %i s as %i ms', (seconds, delayMs) => {
    expect(new RetryPolicy(settings()).delayMs(3, seconds)).toBe(delayMs);
  });

  // attempt, random, back-off: base 100 ms doubled per attempt, half fixed and half random, capped at 10 s
  it.each([
    [1, 0, 50],
    [1, 0.5, 75],
    [1, 0.999, 99.95],
    [2, 0, 100],
    [3, 0.5, 300],
    [7, 0, 3200],
    [7, 0.999, 6396.8],
    [8, 0.5, 9600],
    [9, 0, 10_000],
    [30, 0.999, 10_000],
  ])('backs off attempt %i with random %d by %d ms', (attempt, random, delayMs) => {
    const policy = new RetryPolicy(settings({ random: () => random }));
    expect(policy.backoffMs(attempt)).toBeCloseTo(delayMs, 6);
    expect(policy.delayMs(attempt)).toBeCloseTo(delayMs, 6);
  });

  it('stays within [exponential/2, exponential) whatever the random source', () => {
    for (let attempt = 1; attempt <= 6; attempt++) {
      const exponential = 100 * 2 ** (attempt - 1);
      for (const random of [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999999]) {
        const delay = new RetryPolicy(settings({ random: () => random })).backoffMs(attempt);
        expect(delay).toBeGreaterThanOrEqual(exponential / 2);
        expect(delay).toBeLessThan(exponential);
      }
    }
  });
});

describe('RetryPolicy decisions', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  // attempt, retryable, retried? (maxAttempts 3)
  it.each([
    [1, true, true],
    [2, true, true],
    [3, true, false],
    [1, false, false],
  ])('attempt %i (retryable: %s) of 3 is retried: %s', (attempt, retryable, retried) => {
    const policy = new RetryPolicy(settings({ maxAttempts: 3 }));
    expect(policy.retryDelay('Graph GET', { attempt, retryable }) !== undefined).toBe(retried);
  });

  it('waits through the injected sleep and reports the wait', async () => {
    const slept: number[] = [];
    const events: unknown[] = [];
    const policy = new RetryPolicy(
      settings({
        sleep: (ms) => {
          slept.push(ms);
          return Promise.resolve();
        },
        onRetry: (event) => events.push(event),
      }),
    );
    const meter = newGraphMeter();
    const retried = await withGraphMeter(meter, RUN, () =>
      policy.retry('Graph GET', {
        attempt: 1,
        retryable: true,
        status: 429,
        retryAfterSeconds: 2,
        requestId: 'r-1',
      }),
    );
    expect(retried).toBe(true);
    expect(slept).toEqual([2000]);
    expect(events).toEqual([{ attempt: 1, delayMs: 2000, status: 429, requestId: 'r-1', throttled: true }]);
    expect(meter).toEqual({ requests: 0, retries: 1, throttled: 1, waitedMs: 2000 });
    expect(await policy.retry('Graph GET', { attempt: 1, retryable: false })).toBe(false);
    expect(slept).toHaveLength(1);
  });

  it('stops retrying once the run spent its budget, and says so once', async () => {
    const policy = new RetryPolicy(settings({ retryBudgetPerRun: 3 }));
    const meter = newGraphMeter();
    const decisions = await withGraphMeter(meter, RUN, () =>
      withGraphFeature('user-sync', () => {
        const failed = { attempt: 1, retryable: true, status: 503, microsoftCode: 'serviceNotAvailable' };
        return Promise.resolve(Array.from({ length: 6 }, () => policy.retryDelay('Graph GET', failed)));
      }),
    );
    expect(decisions.map((delay) => delay !== undefined)).toEqual([true, true, true, false, false, false]);
    expect(meter.retries).toBe(3);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(
      /User sync run run-1 of PBX tenant tenant-1 spent its retry budget \(3 retries\): Graph GET .*status=503, microsoftCode=serviceNotAvailable/,
    );
  });

  it('gives every run its own budget', async () => {
    const policy = new RetryPolicy(settings({ retryBudgetPerRun: 1 }));
    const failed = { attempt: 1, retryable: true, status: 503 };
    for (const runId of ['run-1', 'run-2']) {
      const decisions = await withGraphMeter(newGraphMeter(), { ...RUN, runId }, () =>
        Promise.resolve([policy.retryDelay('Graph GET', failed), policy.retryDelay('Graph GET', failed)]),
      );
      expect(decisions.map((delay) => delay !== undefined)).toEqual([true, false]);
    }
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('applies no budget outside a run (connection test, mail): only maxAttempts', () => {
    const policy = new RetryPolicy(settings({ retryBudgetPerRun: 0 }));
    const decisions = Array.from({ length: 10 }, () =>
      policy.retryDelay('Graph POST', { attempt: 1, retryable: true, status: 429 }),
    );
    expect(decisions.every((delay) => delay !== undefined)).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });
});
