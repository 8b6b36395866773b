import { createTestApp, type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  FAST_GRAPH_RETRIES,
  runToEnd,
  startSyncTestApp,
} from '@pbx/test/support/directory-scenario';
import { type EmulatedMicrosoft365 } from '@pbx/test/support/microsoft365-test-env';
import { parsePrometheus, scrapeMetrics } from '@pbx/test/support/prometheus-scrape';

interface RunBody {
  id: string;
  status: string;
  counts: Record<string, number>;
  graph: { requests: number };
}

describe('Metrics and health of the reference host (emulator over HTTPS, real PostgreSQL)', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;

  beforeAll(async () => {
    ({ m365, t } = await startSyncTestApp({ graphRetries: FAST_GRAPH_RETRIES }));
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  /** Graph requests the emulator answered (token requests to Entra are not Graph). */
  const emulatedGraphRequests = () =>
    Object.entries(m365.emulator.control.getCounters().byRoute)
      .filter(([route]) => route.includes(' /v1.0/'))
      .reduce((sum, [, statuses]) => sum + Object.values(statuses).reduce((a, b) => a + b, 0), 0);

  it('serves Prometheus text at /metrics, where a user sync moves the Graph request counter and the run duration histogram', async () => {
    const s = await createDirectoryScenario(t, m365, {
      seed: 'metrics-1',
      domain: 'metrics1.onmicrosoft.com',
      permissions: ['User.Read.All', 'GroupMember.Read.All'],
    });
    s.add('alice');
    s.add('bob');
    const userSync = { feature: 'user-sync' };
    const before = await scrapeMetrics(t);
    m365.emulator.control.resetCounters();

    const run = await runToEnd<RunBody>(t, s, 'user-sync');

    expect(run).toMatchObject({ status: 'SUCCEEDED', counts: { created: 2 } });
    const graphRequests = emulatedGraphRequests();
    expect(graphRequests).toBeGreaterThan(0);
    const response = await t.http().get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    const after = parsePrometheus(response.text);
    const delta = (name: string, labels: Record<string, string>) => after.since(before, name, labels);

    // Every Graph request of the run, attributed to the user sync, by status.
    expect(delta('microsoft365_graph_requests_total', userSync)).toBeGreaterThanOrEqual(graphRequests);
    expect(delta('microsoft365_graph_requests_total', userSync)).toBe(run.graph.requests);
    expect(
      delta('microsoft365_graph_requests_total', { ...userSync, status: '200', throttled: 'false' }),
    ).toBe(run.graph.requests);
    // One finished run in the duration histogram, with what it did to the users.
    const succeeded = { ...userSync, outcome: 'succeeded', mode: 'full' };
    expect(delta('microsoft365_run_duration_count', succeeded)).toBe(1);
    expect(delta('microsoft365_run_duration_sum', succeeded)).toBeGreaterThan(0);
    expect(delta('microsoft365_run_items_total', { ...userSync, outcome: 'created' })).toBe(2);
    // The tenant's first token came from Entra, not from MSAL's cache.
    expect(delta('microsoft365_token_acquisitions_total', { result: 'success', cached: 'false' })).toBe(1);
    // No tenant, user or directory id in any label.
    const labelValues = after.samples.flatMap((sample) => Object.values(sample.labels));
    for (const id of [s.pbx.tenant.id, s.directoryId, s.upn('alice')]) expect(labelValues).not.toContain(id);
  });

  it('attributes the Graph requests of a connection test to it', async () => {
    const s = await createDirectoryScenario(t, m365, {
      seed: 'metrics-2',
      domain: 'metrics2.onmicrosoft.com',
      permissions: ['User.Read.All'],
    });
    const connectionTest = { feature: 'connection-test' };
    const before = await scrapeMetrics(t);
    await t.as(s.pbx.adminToken).post(`${s.base}/connection-test`).expect(200);
    const after = await scrapeMetrics(t);
    const requests = 'microsoft365_graph_requests_total';
    expect(after.since(before, requests, connectionTest)).toBeGreaterThan(0);
    expect(after.since(before, requests, { feature: 'other' })).toBe(0);
  });

  it('answers the health check in Terminus shape without a session', async () => {
    expect((await t.http().get('/api/health').expect(200)).body).toEqual({
      status: 'ok',
      info: { database: { status: 'up' } },
      error: {},
      details: { database: { status: 'up' } },
    });
  });
});

describe('Metrics and health settings of the reference host', () => {
  const token = 'metrics-scrape-token-0123456789';
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ config: { metricsToken: token }, reset: false });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('wants METRICS_TOKEN as a bearer token when it is set', async () => {
    await t.http().get('/metrics').expect(401);
    await t.http().get('/metrics').set('Authorization', `Bearer ${token}x`).expect(401);
    await t.http().get('/metrics').set('Authorization', token).expect(401);
    await scrapeMetrics(t, token);
  });

  it('serves no /metrics with METRICS_ENABLED=false', async () => {
    const off = await createTestApp({ config: { metricsEnabled: false }, reset: false });
    try {
      await off.http().get('/metrics').expect(404);
    } finally {
      await off.close();
    }
  });

  it('sends Server-Timing only with SERVER_TIMING_ENABLED, on answered and refused requests alike', async () => {
    const health = await t.http().get('/api/health').expect(200);
    expect(health.headers['server-timing']).toBeUndefined();
    const timed = await createTestApp({ config: { serverTimingEnabled: true }, reset: false });
    try {
      for (const path of ['/api/health', '/api/no-such-route']) {
        const response = await timed.http().get(path);
        expect(response.headers['server-timing']).toMatch(/^app;dur=\d+\.\d{2}$/);
      }
    } finally {
      await timed.close();
    }
  });

  it('answers 503 in Terminus shape while the database does not answer', async () => {
    await t.orm.close(true);
    try {
      const response = await t.http().get('/api/health').expect(503);
      expect(response.body).toMatchObject({
        status: 'error',
        error: { database: { status: 'down' } },
      });
    } finally {
      await t.orm.connect();
    }
    await t.http().get('/api/health').expect(200);
  });
});
