import { EmulatorFixture } from '../testing/emulator.fixture';
import { fetch } from 'undici';

describe('throttling, faults, counters and the HTTP control API', () => {
  let fixture: EmulatorFixture;
  let token: string;

  beforeAll(async () => {
    fixture = await EmulatorFixture.start({
      seed: { users: 20 },
      emulator: { throttling: { quotaPer10Seconds: 10 } },
    });
    token = await fixture.token();
  });

  afterAll(async () => {
    await fixture.close();
  });

  beforeEach(() => {
    fixture.emulator.control.setFaults({
      errorRate: 0,
      dropRate: 0,
      latency: { fixedMs: 0, jitterMs: 0 },
      routePattern: undefined,
    });
    fixture.emulator.control.setThrottling({ resourceUnits: true, quotaPer10Seconds: 10 });
  });

  it('spends the resource-unit budget per tenant+app and answers 429 TooManyRequests with Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    let throttleScope: string | null = null;
    for (let i = 0; i < 8; i++) {
      const result = await fixture.graph('/users', { token });
      statuses.push(result.status);
      if (result.status === 429) {
        retryAfter = result.headers.get('retry-after');
        throttleScope = result.headers.get('x-ms-throttle-scope');
        expect(result.json).toMatchObject({
          error: { code: 'TooManyRequests', innerError: { code: '429', status: '429' } },
        });
      } else {
        expect(result.headers.get('x-ms-resource-unit')).toBe('2');
      }
    }
    // GET users costs 2 RU; a 10 RU bucket allows 5 calls.
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses[5]).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(throttleScope).toBe(`Tenant_Application/ReadOnly/${fixture.clientId}/${fixture.tenantId}`);
    fixture.emulator.control.advanceClock({ seconds: 10 });
    expect((await fixture.graph('/users', { token })).status).toBe(200);
  });

  it('throttles the next N requests matching a route pattern', async () => {
    fixture.emulator.control.setThrottling({ resourceUnits: false });
    fixture.emulator.control.throttleNext({ count: 2, route: '^/v1.0/groups', retryAfterSeconds: 5 });
    expect((await fixture.graph('/users?$top=1', { token })).status).toBe(200);
    const first = await fixture.graph('/groups', { token });
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('5');
    expect((await fixture.graph('/groups', { token })).status).toBe(429);
    expect((await fixture.graph('/groups', { token })).status).toBe(200);
  });

  it('injects latency, 5xx and dropped connections deterministically', async () => {
    fixture.emulator.control.setThrottling({ resourceUnits: false });
    fixture.emulator.control.setFaults({ latency: { fixedMs: 150, jitterMs: 0 } });
    const started = Date.now();
    await fixture.graph('/users?$top=1', { token });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    fixture.emulator.control.setFaults({
      latency: { fixedMs: 0, jitterMs: 0 },
      errorRate: 1,
      errorStatuses: [503],
    });
    const failed = await fixture.graph('/users?$top=1', { token });
    expect(failed.status).toBe(503);
    expect(failed.json).toMatchObject({ error: { code: 'serviceNotAvailable' } });
    expect(failed.headers.get('retry-after')).toBe('1');

    fixture.emulator.control.setFaults({ errorRate: 0, dropRate: 1 });
    await expect(fixture.graph('/users?$top=1', { token })).rejects.toThrow();

    const sequence = async (seed: number): Promise<number[]> => {
      fixture.emulator.control.setFaults({ dropRate: 0, errorRate: 0.5, errorStatuses: [500], seed });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await fixture.graph('/users?$top=1', { token })).status);
      return statuses;
    };
    const once = await sequence(99);
    expect(await sequence(99)).toEqual(once);
    expect(once).toContain(500);
    expect(once).toContain(200);
  });

  it('counts requests by route template and status, and resets', async () => {
    fixture.emulator.control.setThrottling({ resourceUnits: false });
    fixture.emulator.control.resetCounters();
    const someone = fixture.seeded.sampleUserPrincipalNames[0] ?? '';
    await fixture.graph(`/users/${someone}`, { token });
    await fixture.graph('/users/nobody@contoso.onmicrosoft.com', { token });
    fixture.emulator.control.throttleNext({ count: 1 });
    await fixture.graph('/users', { token });
    const counters = await fixture.fetch('/_emulator/counters');
    expect(counters.json).toMatchObject({
      total: 3,
      throttled: 1,
      byRoute: { 'GET /v1.0/users/{id}': { '200': 1, '404': 1 }, 'GET /v1.0/users': { '429': 1 } },
    });
  });

  it('reports the most requests of a route in progress at once (peakInFlight), from the last reset', async () => {
    fixture.emulator.control.setThrottling({ resourceUnits: false });
    fixture.emulator.control.setFaults({ latency: { fixedMs: 100, jitterMs: 0 } });
    fixture.emulator.control.resetCounters();
    await Promise.all(Array.from({ length: 3 }, () => fixture.graph('/users?$top=1', { token })));
    await fixture.graph('/users?$top=1', { token });
    expect(fixture.emulator.control.getCounters().peakInFlight).toEqual({ 'GET /v1.0/users': 3 });
    fixture.emulator.control.resetCounters();
    await fixture.graph('/users?$top=1', { token });
    expect(fixture.emulator.control.getCounters().peakInFlight).toEqual({ 'GET /v1.0/users': 1 });
  });

  it('exposes the same operations over HTTP under /_emulator', async () => {
    const ca = await fixture.fetch('/_emulator/ca.pem');
    expect(ca.text).toBe(fixture.emulator.caPem);
    const post = (operation: string, body: unknown) =>
      fixture.fetch(`/_emulator/${operation}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const tenant = await post('createTenant', { domain: 'fabrikam.onmicrosoft.com' });
    expect(tenant.status).toBe(200);
    const tenantId = String(tenant.json['id']);
    const user = await post('addUser', {
      tenant: tenantId,
      user: { userPrincipalName: 'ann@fabrikam.onmicrosoft.com', department: 'Sales' },
    });
    expect(user.json).toMatchObject({
      userPrincipalName: 'ann@fabrikam.onmicrosoft.com',
      department: 'Sales',
    });
    expect((await post('getUser', { tenant: tenantId, user: 'nobody' })).status).toBe(404);
    expect((await post('noSuchOperation', {})).status).toBe(404);
    const clock = await fetch(`${fixture.emulator.baseUrl}/_emulator/getClock`, {
      dispatcher: fixture.agent,
    });
    expect(clock.status).toBe(200);
  });
});
