/**
 * User-sync benchmark (issue 5): full, photo, idle-incremental and 1%-changed incremental runs against the
 * Microsoft 365 emulator (a child process, see support/emulator.process.ts) with 100 ms of injected latency per
 * request, on a real PostgreSQL.
 *
 *   npm run bench                        # sizes 10000,100000; photos only for 10000
 *   BENCH_SIZES=10000 npm run bench      # one size
 *   BENCH_PHOTOS=0 npm run bench         # no photo scenario at all
 *   BENCH_PHOTOS=1 npm run bench         # photo scenario for every size (slow for 100000)
 *   BENCH_PHOTOS_MAX=20000 npm run bench # photo scenario up to this size (default 10000)
 *   BENCH_LATENCY_MS=100                 # injected latency per emulator request (default 100)
 *   BENCH_EXTENSION_START=100000         # first extension number (default 100000)
 *
 * With DATABASE_URL set, that server is used (the bench creates and empties the database `pbx_test_bench` on it);
 * otherwise a throw-away embedded PostgreSQL is started exactly as test/support/global-setup.ts does.
 * Prints the JSON and writes it to bench/results/user-sync.json. Not a timed test: the figures are reported, and
 * each target of the issue is marked met or not met.
 */
import { type MikroORM } from '@mikro-orm/postgresql';
import { createTestApp, type TenantWithAdmin, type TestApp } from '@pbx/test/support/create-test-app';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createMonitor,
  EMULATOR_PROCESS_NOTE,
  environment,
  envInt,
  loadNow,
  log,
  mb,
  type MemoryFigures,
  MemorySampler,
  startDatabase,
  type StatementCounts,
  StatementCounter,
  summarizeRoutes,
  waitForRun,
} from './support/bench.measurement';
import {
  connectTenant,
  type EmulatorProcess,
  forEachLimited,
  startEmulatorProcess,
} from './support/emulator.process';

const RESULTS_DIR = join(__dirname, 'results');
const RESULTS_FILE = join(RESULTS_DIR, 'user-sync.json');
const PERMISSIONS = ['User.Read.All', 'GroupMember.Read.All', 'ProfilePhoto.Read.All'];
/** Control calls in flight when changing 1% of the users. */
const CONTROL_CONCURRENCY = 16;

interface RunBody {
  id: string;
  status: string;
  mode: string;
  modeReason: string | null;
  startedAt: string;
  finishedAt: string | null;
  counts: Record<string, number>;
  progress: { pagesRead: number; usersRead: number; usersProcessed: number };
  graph: { requests: number; retries: number; throttled: number; waitedMs: number };
  issues: { severity: string; code: string; message: string }[];
  error: { code: string; message: string; action?: string } | null;
}

interface ScenarioResult {
  scenario: string;
  users: number;
  status: string;
  mode: string;
  modeReason: string | null;
  /** From the POST to the moment the bench saw the run finished (polled every 50 ms). */
  wallMs: number;
  /** finishedAt - startedAt of the run record. */
  runDurationMs: number | null;
  /** os.loadavg()[0] when the scenario started and ended (2 cores: above 2 the machine was oversubscribed). */
  loadAverage: { atStart: number; atEnd: number };
  graph: {
    /**
     * Requests the emulator answered on Graph routes (token and discovery requests excluded, counted apart). The
     * emulator also counts each sub-request of a `$batch` under its own route, so with photos this includes them.
     */
    requests: number;
    /** POST /v1.0/$batch calls (each carries up to 20 sub-requests, counted in `requests` as well). */
    batchCalls: number;
    tokenRequests: number;
    throttled: number;
    byRoute: Record<string, Record<string, number>>;
    /** The run's own account of its Graph usage. */
    reportedByRun: RunBody['graph'];
  };
  counts: Record<string, number>;
  progress: RunBody['progress'];
  issues: { total: number; byCode: Record<string, number> };
  error: RunBody['error'];
  database: StatementCounts;
  memory: MemoryFigures;
}

interface Target {
  target: string;
  limit: string;
  measured: number | string;
  met: boolean;
}

// ---- configuration -------------------------------------------------------------------------------------------

const sizes = (process.env.BENCH_SIZES ?? '10000,100000')
  .split(',')
  .map((part) => part.trim())
  .filter((part) => part !== '')
  .map((part) => {
    const value = Number(part);
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`BENCH_SIZES: ${part} is not a positive integer`);
    return value;
  });
const photosSetting = process.env.BENCH_PHOTOS;
const photosMax = envInt('BENCH_PHOTOS_MAX', 10_000);
const latencyMs = envInt('BENCH_LATENCY_MS', 100);
/**
 * The default range starts at 1000 and keeps four digits (9,000 numbers), too few for 10,000 users: the bench
 * configures a six-digit start, as an admin of such a directory would.
 */
const extensionStart = process.env.BENCH_EXTENSION_START ?? '100000';

function photosFor(size: number): boolean {
  if (photosSetting === '0') return false;
  if (photosSetting === '1') return true;
  return size <= photosMax;
}

// ---- harness -----------------------------------------------------------------------------------------------------

interface Harness {
  t: TestApp;
  emulator: EmulatorProcess;
  statements: StatementCounter;
  /** Reads run status without going through the app's ORM (so it is not counted). */
  monitor: MikroORM;
  close(): Promise<void>;
}

async function startHarness(): Promise<Harness> {
  const emulator = await startEmulatorProcess();
  try {
    const t = await createTestApp({ microsoft365: emulator.moduleOptions });
    const statements = new StatementCounter(t.orm);
    const monitor = await createMonitor(t.orm);
    return {
      t,
      emulator,
      statements,
      monitor,
      close: async () => {
        await monitor.close(true);
        await t.close();
        await emulator.close();
      },
    };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

interface Connected {
  pbx: TenantWithAdmin;
  base: string;
  directoryId: string;
}

let directories = 0;

async function seedAndConnect(h: Harness, users: number, photos: boolean): Promise<Connected> {
  directories++;
  const started = Date.now();
  await h.emulator.control('setFaults', { latency: { fixedMs: 0, jitterMs: 0 } });
  const seeded = await h.emulator.control('seed', {
    seed: `bench-${directories}`,
    tenantId: randomUUID(),
    domain: `bench${directories}.onmicrosoft.com`,
    users,
    departments: 0,
    groupDepth: 0,
    photos,
    app: { permissions: PERMISSIONS },
  });
  const pbx = await h.t.createTenantWithAdmin();
  const base = await connectTenant(
    h.t,
    h.emulator,
    { tenantId: seeded.tenantId, clientId: seeded.clientId ?? '' },
    pbx,
    { permissions: PERMISSIONS },
  );
  await h.t
    .as(pbx.adminToken)
    .patch(`${base}/user-sync/settings`)
    .send({ syncPhotos: photos, extensionStart })
    .expect(200);
  await h.emulator.control('setFaults', { latency: { fixedMs: latencyMs, jitterMs: 0 } });
  log(`seeded ${users} users (photos: ${photos}) and connected in ${Date.now() - started} ms`);
  return { pbx, base, directoryId: seeded.tenantId };
}

async function measure(
  h: Harness,
  c: Connected,
  scenario: string,
  users: number,
  body: Record<string, unknown> = {},
): Promise<ScenarioResult> {
  global.gc?.();
  log(`${scenario} (${users} users) ...`);
  await h.emulator.control('resetCounters', {});
  const loadAtStart = loadNow();
  const memory = new MemorySampler(h.emulator);
  h.statements.start();
  const started = Date.now();
  const response = await h.t.as(c.pbx.adminToken).post(`${c.base}/user-sync/runs`).send(body).expect(202);
  const runId = (response.body as RunBody).id;
  await waitForRun(h.monitor, runId);
  const wallMs = Date.now() - started;
  const database = h.statements.stop();
  const memoryFigures = memory.stop();
  const counters = await h.emulator.counters();
  const run = (await h.t.as(c.pbx.adminToken).get(`${c.base}/user-sync/runs/${runId}`).expect(200))
    .body as RunBody;
  const byCode: Record<string, number> = {};
  for (const issue of run.issues ?? []) byCode[issue.code] = (byCode[issue.code] ?? 0) + 1;
  const byRoute = Object.fromEntries(
    Object.entries(counters.byRoute).filter(([route]) => !route.includes('/_emulator/')),
  );
  const result: ScenarioResult = {
    scenario,
    users,
    status: run.status,
    mode: run.mode,
    modeReason: run.modeReason,
    wallMs,
    runDurationMs: run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : null,
    loadAverage: { atStart: loadAtStart, atEnd: loadNow() },
    graph: { ...summarizeRoutes(byRoute), byRoute, reportedByRun: run.graph },
    counts: run.counts,
    progress: run.progress,
    issues: { total: run.issues?.length ?? 0, byCode },
    error: run.error,
    database,
    memory: memoryFigures,
  };
  log(
    `${scenario}: ${run.status} ${run.mode} in ${wallMs} ms, ${result.graph.requests} Graph requests, ` +
      `${database.statements} statements, peak RSS PBX ${memoryFigures.pbx.peakRssMb} MB, emulator ` +
      `${memoryFigures.emulator.peakRssMb} MB`,
  );
  return result;
}

/** Changes the job title of 1% of the users the first run linked (at least one), through the control API. */
async function changeOnePercent(h: Harness, c: Connected, users: number): Promise<number> {
  const count = Math.max(1, Math.floor(users / 100));
  const rows = await h.monitor.em
    .getConnection()
    .execute<{ object_id: string }[]>(
      'select object_id from m365_user_links where pbx_tenant_id = ? order by object_id limit ?',
      [c.pbx.tenant.id, count],
    );
  await forEachLimited(rows, CONTROL_CONCURRENCY, async (row) => {
    await h.emulator.control('updateUser', {
      tenant: c.directoryId,
      user: row.object_id,
      changes: { jobTitle: `Benchmark title ${randomUUID().slice(0, 8)}` },
    });
  });
  return rows.length;
}

function evaluate(size: number, results: ScenarioResult[]): Target[] {
  const targets: Target[] = [];
  const full = results.find((r) => r.scenario === 'full-without-photos');
  const idle = results.find((r) => r.scenario === 'incremental-no-change');
  if (full) {
    const limit = Math.ceil(size / 999) + 5;
    targets.push({
      target: 'Graph requests of a full run without photos',
      limit: `<= ceil(N/999)+5 = ${limit}`,
      measured: full.graph.requests,
      met: full.status === 'SUCCEEDED' && full.graph.requests <= limit,
    });
    if (size === 100_000) {
      targets.push({
        target: 'Wall time of a full run of 100,000 users without photos',
        limit: '< 30000 ms',
        measured: full.wallMs,
        met: full.status === 'SUCCEEDED' && full.wallMs < 30_000,
      });
    }
  }
  if (idle) {
    targets.push({
      target: 'Idle incremental run: Graph requests',
      limit: '= 1',
      measured: idle.graph.requests,
      met: idle.status === 'SUCCEEDED' && idle.graph.requests === 1,
    });
    targets.push({
      target: 'Idle incremental run: database writes (besides the run history row)',
      limit: '= 0',
      measured: idle.database.directoryWrites,
      met: idle.status === 'SUCCEEDED' && idle.database.directoryWrites === 0,
    });
  }
  const peak = Math.max(...results.map((r) => r.memory.pbx.peakRssMb));
  targets.push({
    target: 'Peak RSS of the PBX process (largest over the scenarios of this size; emulator not included)',
    limit: '< 400 MB',
    measured: peak,
    met: peak < 400,
  });
  return targets;
}

// ---- main ----------------------------------------------------------------------------------------------------------

interface SizeResult {
  size: number;
  /**
   * RSS of the booted PBX process (Nest app, module, MikroORM pool, ts-node's compiled sources) after a GC, before
   * anything was seeded or synced: what the PBX costs before its first sync.
   */
  baselineRssMb: number;
  /** The emulator child's RSS when it had started, before anything was seeded. */
  emulatorBaselineRssMb: number;
  scenarios: ScenarioResult[];
  targets: Target[];
}

async function benchSize(size: number): Promise<SizeResult> {
  const h = await startHarness();
  global.gc?.();
  const baselineRssMb = mb(process.memoryUsage().rss);
  const emulatorBaselineRssMb = h.emulator.memory().rssMb;
  const scenarios: ScenarioResult[] = [];
  try {
    const plain = await seedAndConnect(h, size, false);
    scenarios.push(await measure(h, plain, 'full-without-photos', size));
    // A manual run is full unless asked otherwise (an admin's "sync now" reconciles).
    scenarios.push(await measure(h, plain, 'incremental-no-change', size, { mode: 'incremental' }));
    const changed = await changeOnePercent(h, plain, size);
    scenarios.push(await measure(h, plain, 'incremental-1pct-changed', changed, { mode: 'incremental' }));
    if (photosFor(size)) {
      // A directory of its own, so this run creates every user and downloads every photo from scratch.
      const withPhotos = await seedAndConnect(h, size, true);
      scenarios.push(await measure(h, withPhotos, 'full-with-photos', size));
    } else {
      log(`full-with-photos skipped for ${size} users (BENCH_PHOTOS=1 or BENCH_PHOTOS_MAX to include it)`);
    }
  } finally {
    await h.close();
  }
  return { size, baselineRssMb, emulatorBaselineRssMb, scenarios, targets: evaluate(size, scenarios) };
}

async function main(): Promise<void> {
  const stopDatabase = await startDatabase();
  const results: SizeResult[] = [];
  try {
    for (const size of sizes) {
      results.push(await benchSize(size));
      // Written after each size too, so a long run that is cut short still leaves its figures.
      await writeReport(results, false);
    }
  } finally {
    await stopDatabase();
  }
  const json = await writeReport(results, true);
  console.log(json);
  log(`written to ${RESULTS_FILE}`);
}

async function writeReport(results: SizeResult[], complete: boolean): Promise<string> {
  const report = {
    benchmark: 'user-sync',
    generatedAt: new Date().toISOString(),
    command: 'npm run bench (BENCH_ONLY=users)',
    environment: environment(),
    config: {
      sizes,
      injectedLatencyMs: latencyMs,
      extensionStart,
      photos: sizes.map((size) => ({ size, photoScenario: photosFor(size) })),
    },
    notes: [
      EMULATOR_PROCESS_NOTE,
      'baselineRssMb is the PBX process after boot and a GC, before the first seed or sync: it includes ts-node ' +
        '(the sources compiled in memory) and the Nest app; the peak RSS target applies to memory.pbx.peakRssMb.',
      'Each size gets a fresh app and emulator on an emptied database; the photo scenario uses a second ' +
        'directory (seeded with photos) and a second PBX tenant, so its full run creates every user too.',
      'graph.requests counts the requests the emulator answered on Graph routes during the run (token requests ' +
        'are listed apart, control calls left out); graph.reportedByRun is what the run recorded itself.',
      'database.statements counts every statement the app sent through MikroORM during the run (begin/commit ' +
        'included, plus the session lookup of the POST that started it); directoryWrites excludes the writes to ' +
        'the run history row (m365_sync_runs).',
      'wallMs is measured from the POST to the moment a 50 ms poll saw the run finished. loadAverage is ' +
        'os.loadavg()[0] around each scenario: on a machine busy with other work the wall times are pessimistic.',
    ],
    complete,
    results,
    allTargetsMet: results.every((r) => r.targets.every((t) => t.met)),
  };
  const json = JSON.stringify(report, null, 2);
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(RESULTS_FILE, `${json}\n`);
  return json;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
