import { PBX_DIRECTORY, type PbxDirectoryPort, type PbxDirectoryUser } from '@pbx/microsoft365';
import { GRAPH_RESILIENCE_SETTINGS } from '@pbx/microsoft365/graph/graph-client.provider';
import { defaultResilienceSettings } from '@pbx/microsoft365/graph/resilience.middleware';
import { createTestApp, type TenantWithAdmin, type TestApp } from '@pbx/test/support/create-test-app';
import {
  connectTenant,
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';
import { reportScenario } from '@pbx/test/support/reliability-report';
import { randomUUID } from 'node:crypto';

interface RunBody {
  id: string;
  status: string;
  mode: string;
  counts: Record<string, number>;
  graph: { requests: number; retries: number; throttled: number };
  error: { code: string } | null;
}

/**
 * Graph and Entra misbehave the way Microsoft's Dev Proxy makes them: 429 storms (on pages, on $batch items, on
 * the token endpoint), random 5xx, dropped connections, latency spikes, an expired delta link. After each storm
 * the PBX must equal the truth in the emulated tenant: every in-scope user once, with a unique extension, and
 * nobody disabled or deleted who should not be.
 */
describe('reliability: user sync through Graph faults', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let directory: PbxDirectoryPort;
  let pbx: TenantWithAdmin;
  let base: string;
  let directoryId: string;

  beforeAll(async () => {
    m365 = await startEmulatedMicrosoft365({ users: 0, departments: 0, groupDepth: 0 });
    t = await createTestApp({
      microsoft365: m365.moduleOptions,
      // Microsoft's Retry-After is honoured as sent; only our own back-off and timeout are shortened for the test.
      override: (builder) =>
        builder
          .overrideProvider(GRAPH_RESILIENCE_SETTINGS)
          .useValue({ ...defaultResilienceSettings(), baseDelayMs: 10, maxDelayMs: 3_000, timeoutMs: 1_500 }),
    });
    directory = t.get<PbxDirectoryPort>(PBX_DIRECTORY);
    const seeded = await m365.emulator.control.seed({
      seed: 'faults',
      tenantId: randomUUID(),
      domain: 'faults.onmicrosoft.com',
      users: 1_200,
      departments: 4,
      groupDepth: 1,
      photos: 0.3,
      guests: 0.02,
      disabled: 0.02,
      withoutNames: 0.01,
      app: { permissions: ['User.Read.All', 'GroupMember.Read.All', 'ProfilePhoto.Read.All'] },
    });
    directoryId = seeded.tenantId;
    pbx = await t.createTenantWithAdmin();
    base = await connectTenant(t, { ...m365, seeded: { ...seeded, clientId: seeded.clientId ?? '' } }, pbx, {
      settings: {},
    });
    await t.as(pbx.adminToken).patch(`${base}/user-sync/settings`).send({ syncPhotos: true }).expect(200);
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  afterEach(() => {
    m365.emulator.control.clearThrottles();
    m365.emulator.control.setFaults({
      errorRate: 0,
      dropRate: 0,
      latency: { fixedMs: 0, jitterMs: 0 },
      routePattern: undefined,
    });
  });

  async function runUntilSucceeded(
    body: Record<string, unknown> = {},
  ): Promise<{ runs: RunBody[]; retried: number }> {
    const runs: RunBody[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const started = await t.as(pbx.adminToken).post(`${base}/user-sync/runs`).send(body).expect(202);
      let run = started.body as RunBody;
      while (run.status === 'RUNNING') {
        await new Promise((resolve) => setTimeout(resolve, 100));
        run = (await t.as(pbx.adminToken).get(`${base}/user-sync/runs/${run.id}`).expect(200))
          .body as RunBody;
      }
      runs.push(run);
      if (run.status !== 'FAILED') break;
      // A failed run must say why, with Microsoft's code or ours; the next run starts over from the data.
      expect(run.error?.code).toMatch(/^[A-Z_]+$/);
    }
    expect(runs.at(-1)?.status).toBe('SUCCEEDED');
    return { runs, retried: runs.reduce((sum, run) => sum + run.graph.retries, 0) };
  }

  /** The truth: members, enabled, with a name; the PBX has each exactly once, enabled, with a unique number. */
  async function expectPbxEqualsTruth(): Promise<number> {
    const truth = new Set<string>();
    for (const { fields } of m365.emulator.control.listUsers({ tenant: directoryId })) {
      const named = Boolean(fields.givenName?.trim() || fields.surname?.trim());
      if (fields.userType === 'Member' && fields.accountEnabled && named)
        truth.add(fields.userPrincipalName.toLowerCase());
    }
    const synced: PbxDirectoryUser[] = [];
    let after: string | undefined;
    do {
      const page = await directory.listUsers(pbx.tenant.id, { after, limit: 1000 });
      synced.push(...page.users.filter((u) => u.id !== pbx.admin.id));
      after = page.next;
    } while (after);
    const enabled = synced.filter((u) => u.enabled).map((u) => u.userPrincipalName ?? '');
    expect(new Set(enabled).size).toBe(enabled.length);
    expect([...enabled].sort()).toEqual([...truth].sort());
    expect(new Set(synced.map((u) => u.extension)).size).toBe(synced.length);
    return truth.size;
  }

  it('rides out 429 storms on pages, $batch items and the token endpoint', async () => {
    m365.emulator.control.throttleNext({ count: 3, route: '^/v1.0/users$', retryAfterSeconds: 1 });
    m365.emulator.control.throttleNext({ count: 8, route: '/photo', retryAfterSeconds: 1 });
    m365.emulator.control.throttleNext({ count: 2, route: '/oauth2/v2.0/token', retryAfterSeconds: 1 });
    const { runs, retried } = await runUntilSucceeded({ full: true });
    expect(runs).toHaveLength(1);
    expect(retried).toBeGreaterThanOrEqual(3);
    const verified = await expectPbxEqualsTruth();
    reportScenario('429 storms (pages, $batch items, token endpoint)', {
      faultsInjected: 13,
      requestsRetried: retried,
      itemsVerified: verified,
    });
  });

  it('converges through 50% random 5xx, dropped connections and latency spikes', async () => {
    // Photos multiply the requests (metadata and downloads in $batch); the directory reads are what is tested here.
    await t.as(pbx.adminToken).patch(`${base}/user-sync/settings`).send({ syncPhotos: false }).expect(200);
    m365.emulator.control.resetCounters();
    // Changes while the faults rage, so the incremental runs have something to carry.
    const some = m365.emulator.control.listUsers({ tenant: directoryId }).slice(0, 40);
    for (const user of some.slice(0, 20)) {
      m365.emulator.control.updateUser({
        tenant: directoryId,
        user: user.id,
        changes: { jobTitle: 'Storm chaser' },
      });
    }
    m365.emulator.control.setFaults({ errorRate: 0.5, routePattern: '^/v1.0/' });
    const fiveXx = await runUntilSucceeded({ full: true });
    m365.emulator.control.setFaults({ errorRate: 0, dropRate: 0.3, routePattern: '^/v1.0/' });
    const dropped = await runUntilSucceeded();
    m365.emulator.control.setFaults({
      dropRate: 0,
      latency: { fixedMs: 0, jitterMs: 2_500 },
      routePattern: '^/v1.0/',
    });
    const slow = await runUntilSucceeded();
    const counters = m365.emulator.control.getCounters();
    const verified = await expectPbxEqualsTruth();
    reportScenario('random 5xx, dropped connections, latency spikes', {
      faultsInjected: counters.injectedErrors + counters.dropped,
      requestsRetried: fiveXx.retried + dropped.retried + slow.retried,
      itemsVerified: verified,
    });
    expect(counters.injectedErrors).toBeGreaterThan(0);
  }, 120_000);

  it('falls back to a full pass when the delta link expired, losing nothing and disabling nobody by mistake', async () => {
    const [leaver, mover] = m365.emulator.control
      .listUsers({ tenant: directoryId })
      .filter((u) => u.accountEnabled);
    m365.emulator.control.deleteUser({ tenant: directoryId, user: leaver?.id ?? '' });
    m365.emulator.control.updateUser({
      tenant: directoryId,
      user: mover?.id ?? '',
      changes: { officeLocation: 'Mars' },
    });
    m365.emulator.control.expireDeltaTokens({ tenant: directoryId });
    const { runs } = await runUntilSucceeded();
    expect(runs.at(-1)).toMatchObject({
      mode: 'FULL',
      counts: expect.objectContaining({ disabled: 1 }) as unknown,
    });
    const verified = await expectPbxEqualsTruth();
    reportScenario('expired delta link', { faultsInjected: 1, itemsVerified: verified });
  });
});
