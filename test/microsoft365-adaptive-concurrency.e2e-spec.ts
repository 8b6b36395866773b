import { GraphConcurrency } from '@pbx/microsoft365/graph/graph-concurrency.service';
import { type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  type DirectoryScenario,
  FAST_GRAPH_RETRIES,
  resetEmulatorFaults,
  runToEnd,
  startSyncTestApp,
  type SyncRunStatus,
} from '@pbx/test/support/directory-scenario';
import { type EmulatedMicrosoft365 } from '@pbx/test/support/microsoft365-test-env';

interface RunBody extends SyncRunStatus {
  counts: Record<string, number>;
  graph: { requests: number; retries: number; throttled: number };
}

const BATCH = 'POST /v1.0/$batch';
const USERS = 500;

/**
 * Photos of many users go out in `$batch` calls whose number in flight the tenant's adaptive limiter finds: it grows
 * while Graph answers fast and without 429, and halves when Graph throttles (README "Options", issue 20). The
 * emulator keeps Outlook's limits (4 concurrent requests per app and mailbox, each photo item counted against its
 * own mailbox) and reports how many batches it had in progress at once.
 */
describe('adaptive concurrency of Graph reads: profile photos', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let concurrency: GraphConcurrency;

  beforeAll(async () => {
    ({ m365, t } = await startSyncTestApp({ graphRetries: FAST_GRAPH_RETRIES }));
    concurrency = t.get(GraphConcurrency);
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  afterEach(() => resetEmulatorFaults(m365));

  /** A PBX tenant of its own (so a limiter of its own, at its start) on a directory of USERS users with photos. */
  function photoDirectory(seed: string): Promise<DirectoryScenario> {
    return createDirectoryScenario(t, m365, {
      seed,
      domain: `${seed}.onmicrosoft.com`,
      permissions: ['User.Read.All', 'ProfilePhoto.Read.All'],
      seedOptions: { users: USERS, departments: 1, photos: 1, guests: 0, disabled: 0, withoutNames: 0 },
      settings: { syncPhotos: true },
    });
  }

  /** A full run with some latency on every Graph request and photo item, so batches overlap as they would. */
  async function fullRunWithLatency(s: DirectoryScenario): Promise<{ run: RunBody; peak: number }> {
    m365.emulator.control.setFaults({ latency: { fixedMs: 100, jitterMs: 0 }, routePattern: '^/v1.0/' });
    m365.emulator.control.resetCounters();
    const run = await runToEnd<RunBody>(t, s, 'user-sync', { full: true });
    return { run, peak: m365.emulator.control.getCounters().peakInFlight[BATCH] ?? 0 };
  }

  let calmPeak = 0;
  let calmLimit = 0;

  it('raises the batches in flight above its start while Graph answers fast, and earns no 429', async () => {
    const calm = await photoDirectory('adaptive-calm');
    const { run, peak } = await fullRunWithLatency(calm);

    expect(run.status).toBe('SUCCEEDED');
    expect(run.counts['photos']).toBe(USERS);
    expect(run.graph.throttled).toBe(0);
    // Nothing throttled at all: not Outlook's 4 per mailbox, not the directory's resource units.
    expect(m365.emulator.control.getCounters().throttled).toBe(0);
    // The old fixed number was 4 batches; the limiter starts at 8 and found more.
    expect(peak).toBeGreaterThan(concurrency.start);
    calmPeak = peak;
    calmLimit = concurrency.limiter(calm.pbx.tenant.id, 'batches').limit;
    expect(calmLimit).toBeGreaterThan(concurrency.start);
  });

  it('backs off when Graph throttles photo items, waits out Retry-After, and the run still succeeds', async () => {
    const storm = await photoDirectory('adaptive-storm');
    // 429 with Retry-After for the first photo items: the first batches come back with throttled items.
    m365.emulator.control.throttleNext({ count: 150, route: '/photo/', retryAfterSeconds: 1 });
    const { run, peak } = await fullRunWithLatency(storm);

    expect(run.status).toBe('SUCCEEDED');
    expect(run.counts['photos']).toBe(USERS);
    expect(run.graph.throttled).toBeGreaterThanOrEqual(1);
    expect(m365.emulator.control.getCounters().throttled).toBe(150);
    // Halved on the 429s instead of growing: fewer batches at once than the calm run, and a lower limit after it.
    const limit = concurrency.limiter(storm.pbx.tenant.id, 'batches').limit;
    expect(limit).toBeLessThan(concurrency.start);
    expect(limit).toBeLessThan(calmLimit);
    expect(peak).toBeLessThan(calmPeak);
  });
});
