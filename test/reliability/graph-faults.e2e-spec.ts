import { PBX_DIRECTORY, type PbxDirectoryPort, type PbxDirectoryUser } from '@pbx/microsoft365';
import {
  GRAPH_RESILIENCE_SETTINGS,
  type ResilienceSettings,
  type RetryEvent,
} from '@pbx/microsoft365/graph/retry.policy';
import { type TenantWithAdmin, type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  resetEmulatorFaults,
  runToEnd,
  startSyncTestApp,
} from '@pbx/test/support/directory-scenario';
import { type EmulatedMicrosoft365 } from '@pbx/test/support/microsoft365-test-env';
import { reportScenario } from '@pbx/test/support/reliability-report';

interface RunBody {
  id: string;
  status: string;
  mode: string;
  counts: Record<string, number>;
  modeReason: string | null;
  progress: { pagesRead: number; usersRead: number; usersProcessed: number };
  graph: { requests: number; retries: number; throttled: number };
  error: { code: string; microsoft?: { status?: number; code?: string } } | null;
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
  /** Every wait the module's retry layer made, with the transport error (TIMEOUT, ECONNRESET...) if there was one. */
  const retries: RetryEvent[] = [];

  beforeAll(async () => {
    ({ m365, t } = await startSyncTestApp({
      // Microsoft's Retry-After is honoured as sent; only our own back-off and timeout are shortened for the test.
      graphRetries: {
        baseDelayMs: 10,
        maxDelayMs: 3_000,
        timeoutMs: 1_500,
        onRetry: (event: RetryEvent) => retries.push(event),
      },
    }));
    directory = t.get<PbxDirectoryPort>(PBX_DIRECTORY);
    ({ pbx, base, directoryId } = await createDirectoryScenario(t, m365, {
      seed: 'faults',
      domain: 'faults.onmicrosoft.com',
      permissions: ['User.Read.All', 'GroupMember.Read.All', 'ProfilePhoto.Read.All'],
      seedOptions: {
        users: 1_200,
        departments: 4,
        groupDepth: 1,
        photos: 0.3,
        guests: 0.02,
        disabled: 0.02,
        withoutNames: 0.01,
      },
      tenantSettings: {},
      settings: { syncPhotos: true },
    }));
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  afterEach(() => resetEmulatorFaults(m365));

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

  type EmulatedUser = ReturnType<typeof m365.emulator.control.listUsers>[number];
  const inScope = ({ fields }: EmulatedUser) =>
    fields.userType === 'Member' &&
    fields.accountEnabled &&
    Boolean(fields.givenName?.trim() || fields.surname?.trim());

  /** The PBX's job title of each given user, by user principal name (lower case, as the PBX keeps it). */
  async function jobTitles(users: EmulatedUser[]): Promise<Record<string, string | null>> {
    const synced = await directory.findUsers(pbx.tenant.id, {
      userPrincipalNames: users.map((u) => u.userPrincipalName.toLowerCase()),
    });
    return Object.fromEntries(synced.map((u) => [u.userPrincipalName ?? '', u.jobTitle]));
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
    m365.emulator.control.resetCounters();
    m365.emulator.control.throttleNext({ count: 3, route: '^/v1.0/users$', retryAfterSeconds: 1 });
    m365.emulator.control.throttleNext({ count: 8, route: '/photo', retryAfterSeconds: 1 });
    m365.emulator.control.throttleNext({ count: 2, route: '/oauth2/v2.0/token', retryAfterSeconds: 1 });
    const { runs, retried } = await runUntilSucceeded({ full: true });
    expect(runs).toHaveLength(1);
    expect(retried).toBeGreaterThanOrEqual(3);
    // The page and photo storms are used up (the token one only when the run asked for a new token).
    const { throttled } = m365.emulator.control.getCounters();
    expect(throttled).toBeGreaterThanOrEqual(3 + 8);
    const verified = await expectPbxEqualsTruth();
    reportScenario('429 storms (pages, $batch items, token endpoint)', {
      faultsInjected: throttled,
      requestsRetried: retried,
      itemsVerified: verified,
    });
  });

  it('converges through 50% random 5xx, dropped connections and latency spikes', async () => {
    // Photos multiply the requests (metadata and downloads in $batch); the directory reads are what is tested here.
    await t.as(pbx.adminToken).patch(`${base}/user-sync/settings`).send({ syncPhotos: false }).expect(200);
    // Changes while the faults rage, so the runs have something to carry.
    const changed = m365.emulator.control.listUsers({ tenant: directoryId }).slice(0, 20);
    for (const user of changed) {
      m365.emulator.control.updateUser({
        tenant: directoryId,
        user: user.id,
        changes: { jobTitle: 'Storm chaser' },
      });
    }

    /**
     * Full runs under one fault until the fault was seen at least once (a run is only a handful of requests, so a
     * 30% rate may miss one run); each run must end SUCCEEDED, through at most a few FAILED ones.
     */
    async function underFault(
      faults: Parameters<typeof m365.emulator.control.setFaults>[0],
      seen: () => number,
    ) {
      m365.emulator.control.resetCounters();
      retries.length = 0;
      m365.emulator.control.setFaults({ ...faults, routePattern: '^/v1.0/' });
      let retried = 0;
      for (let round = 0; round < 8 && seen() === 0; round++)
        retried += (await runUntilSucceeded({ full: true })).retried;
      m365.emulator.control.setFaults({ errorRate: 0, dropRate: 0, latency: { fixedMs: 0, jitterMs: 0 } });
      const events = [...retries];
      return { counters: m365.emulator.control.getCounters(), events, retried, seen: seen() };
    }

    const fiveXx = await underFault(
      { errorRate: 0.5 },
      () => m365.emulator.control.getCounters().injectedErrors,
    );
    expect(fiveXx.counters.injectedErrors).toBeGreaterThan(0);
    expect(fiveXx.events.filter((e) => (e.status ?? 0) >= 500).length).toBeGreaterThan(0);

    // A dropped connection: the emulator closes the socket without an answer; the client sees a transport error.
    const transportFailures = () => retries.filter((e) => e.transportError !== undefined).length;
    const dropped = await underFault({ dropRate: 0.3 }, () => m365.emulator.control.getCounters().dropped);
    expect(dropped.counters.dropped).toBeGreaterThan(0);
    expect(dropped.events.filter((e) => e.transportError !== undefined).length).toBeGreaterThan(0);

    // Latency spikes up to 2.5 s against a 1.5 s timeout per attempt: some attempts are abandoned and retried. With
    // latency the only fault, every transport failure is such a timeout (the module names it TIMEOUT; under Jest the
    // abort error comes from another realm and reads UNKNOWN, so the code is not what is counted).
    const slow = await underFault({ latency: { fixedMs: 0, jitterMs: 2_500 } }, transportFailures);
    expect(slow.seen).toBeGreaterThan(0);
    expect(slow.events.every((e) => e.transportError !== undefined && e.status === undefined)).toBe(true);

    const verified = await expectPbxEqualsTruth();
    const stormChasers = changed.filter(inScope);
    expect(await jobTitles(stormChasers)).toEqual(
      Object.fromEntries(stormChasers.map((u) => [u.userPrincipalName.toLowerCase(), 'Storm chaser'])),
    );
    const injected = fiveXx.counters.injectedErrors + dropped.counters.dropped + slow.seen;
    reportScenario('random 5xx, dropped connections, latency spikes', {
      faultsInjected: injected,
      requestsRetried: fiveXx.retried + dropped.retried + slow.retried,
      itemsVerified: verified,
    });
    process.stdout.write(
      `faults: ${fiveXx.counters.injectedErrors} injected 5xx, ${dropped.counters.dropped} dropped connections, ${slow.seen} timeouts\n`,
    );
  }, 180_000);

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
    // Incremental asked for (a plain "sync now" would be full anyway): the expired link is what makes it full.
    const { runs } = await runUntilSucceeded({ mode: 'incremental' });
    expect(runs.at(-1)).toMatchObject({
      mode: 'FULL',
      modeReason: expect.stringMatching(/delta link expired/) as unknown,
      counts: expect.objectContaining({ disabled: 1 }) as unknown,
    });
    const verified = await expectPbxEqualsTruth();
    reportScenario('expired delta link', { faultsInjected: 1, itemsVerified: verified });
  });
  it('falls back to a full pass by itself when the delta link expires while an incremental run is paging', async () => {
    // 450 changes: a delta round of three pages (Graph's delta pages hold 200 users).
    const changed = m365.emulator.control
      .listUsers({ tenant: directoryId })
      .filter((u) => u.accountEnabled)
      .slice(0, 450);
    for (const user of changed) {
      m365.emulator.control.updateUser({
        tenant: directoryId,
        user: user.id,
        changes: { jobTitle: 'Night shift' },
      });
    }
    m365.emulator.control.resetCounters();
    // Each delta page takes 0.8 s (below the 1.5 s timeout): time to see the first page applied before the next one.
    m365.emulator.control.setFaults({
      latency: { fixedMs: 800, jitterMs: 0 },
      routePattern: '^/v1.0/users/delta$',
    });
    const deltaAnswers = (status: string) =>
      Object.entries(m365.emulator.control.getCounters().byRoute)
        .filter(([route]) => route.includes('/users/delta'))
        .reduce((sum, [, statuses]) => sum + (statuses[status] ?? 0), 0);

    const started = await t
      .as(pbx.adminToken)
      .post(`${base}/user-sync/runs`)
      .send({ mode: 'incremental' })
      .expect(202);
    let run = started.body as RunBody;
    expect(run.mode).toBe('INCREMENTAL');
    while (run.status === 'RUNNING' && run.progress.pagesRead < 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      run = (await t.as(pbx.adminToken).get(`${base}/user-sync/runs/${run.id}`).expect(200)).body as RunBody;
    }
    // Mid-run for certain: a page is applied, the round is not read to its end.
    expect(run.status).toBe('RUNNING');
    const pagesBefore = deltaAnswers('200');
    expect(pagesBefore).toBeGreaterThanOrEqual(1);
    expect(pagesBefore).toBeLessThan(3);
    m365.emulator.control.expireDeltaTokens({ tenant: directoryId });

    while (run.status === 'RUNNING') {
      await new Promise((resolve) => setTimeout(resolve, 100));
      run = (await t.as(pbx.adminToken).get(`${base}/user-sync/runs/${run.id}`).expect(200)).body as RunBody;
    }
    expect(deltaAnswers('410')).toBeGreaterThanOrEqual(1);
    expect(run).toMatchObject({ status: 'SUCCEEDED', mode: 'FULL' });
    expect(run.modeReason).toMatch(/delta link expired/);
    expect(run.counts.disabled ?? 0).toBe(0);
    expect(run.counts.deleted ?? 0).toBe(0);
    const verified = await expectPbxEqualsTruth();
    const nightShift = changed.filter(inScope);
    expect(nightShift.length).toBeGreaterThan(400);
    expect(await jobTitles(nightShift)).toEqual(
      Object.fromEntries(nightShift.map((u) => [u.userPrincipalName.toLowerCase(), 'Night shift'])),
    );
    reportScenario('delta link expired while an incremental run was paging', {
      faultsInjected: deltaAnswers('410'),
      itemsVerified: verified,
    });
  }, 60_000);

  it("stops retrying once a run spent its retry budget, and fails with Microsoft's code", async () => {
    // The module reads this settings object at every decision: a budget of 2 for this test only.
    const settings = t.get<ResilienceSettings>(GRAPH_RESILIENCE_SETTINGS);
    const { retryBudgetPerRun, maxAttempts } = settings;
    settings.retryBudgetPerRun = 2;
    try {
      m365.emulator.control.resetCounters();
      // Graph answers every request 503 (Retry-After: 1), for as long as it takes.
      m365.emulator.control.setFaults({ errorRate: 1, errorStatuses: [503], routePattern: '^/v1.0/' });
      const run = await runToEnd<RunBody>(t, { pbx, base }, 'user-sync', { full: true });
      expect(run).toMatchObject({
        status: 'FAILED',
        error: { code: 'UNAVAILABLE', microsoft: { status: 503, code: 'serviceNotAvailable' } },
      });
      // Two retries in the whole run (three requests, all answered 503), where maxAttempts allows five for one.
      expect(maxAttempts).toBeGreaterThan(3);
      expect(run.graph).toMatchObject({ retries: 2, requests: 3 });
      const { injectedErrors } = m365.emulator.control.getCounters();
      reportScenario('persistent 503, retry budget 2', {
        faultsInjected: injectedErrors,
        requestsRetried: 2,
      });
    } finally {
      settings.retryBudgetPerRun = retryBudgetPerRun;
      m365.emulator.control.setFaults({ errorRate: 0, errorStatuses: [500, 502, 503, 504] });
    }
  });
});
