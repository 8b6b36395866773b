/**
 * User-sync benchmark (issue 5): full, photo, idle-incremental and 1%-changed incremental runs against the
 * in-process Microsoft 365 emulator with 100 ms of injected latency per request, on a real PostgreSQL.
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
import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { startEmbeddedDatabase } from '@pbx/host/database/embedded-database';
import { createTemporaryDirectory } from '@pbx/host/database/temporary-directory';
import { createTestApp, type TenantWithAdmin, type TestApp } from '@pbx/test/support/create-test-app';
import {
  connectTenant,
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';
import { TEST_SERVER_URL_ENV } from '@pbx/test/support/test-env';
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const RESULTS_DIR = join(__dirname, 'results');
const RESULTS_FILE = join(RESULTS_DIR, 'user-sync.json');
const PERMISSIONS = ['User.Read.All', 'GroupMember.Read.All', 'ProfilePhoto.Read.All'];
const POLL_MS = 50;
const RSS_SAMPLE_MS = 100;
const RUN_TIMEOUT_MS = 60 * 60 * 1000;
/** Tables whose writes are the run's own bookkeeping (the run history row), not directory changes. */
const BOOKKEEPING_TABLES = new Set(['m365_sync_runs']);

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
  memory: { peakRssMb: number; rssAtStartMb: number; rssAtEndMb: number; peakHeapUsedMb: number };
}

interface StatementCounts {
  /** Every statement the app's MikroORM sent to PostgreSQL, including begin/commit/savepoints. */
  statements: number;
  byKind: Record<string, number>;
  /** insert/update/delete statements by table. */
  writesByTable: Record<string, number>;
  /** Writes outside the run history row (see BOOKKEEPING_TABLES). */
  directoryWrites: number;
  /** The first write statement seen per table (its start and end), to tell what was written. */
  firstWriteByTable: Record<string, string>;
}

interface Target {
  target: string;
  limit: string;
  measured: number | string;
  met: boolean;
}

// ---- configuration -------------------------------------------------------------------------------------------

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return value;
}

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

// ---- measurement -------------------------------------------------------------------------------------------------

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Samples RSS and heap every 100 ms (and once at stop, so short runs still get a sample). */
class MemorySampler {
  private peakRss = 0;
  private peakHeap = 0;
  private readonly timer: NodeJS.Timeout;
  readonly rssAtStart = process.memoryUsage().rss;

  constructor() {
    this.sample();
    this.timer = setInterval(() => this.sample(), RSS_SAMPLE_MS);
  }

  private sample(): void {
    const usage = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, usage.rss);
    this.peakHeap = Math.max(this.peakHeap, usage.heapUsed);
  }

  stop(): ScenarioResult['memory'] {
    clearInterval(this.timer);
    this.sample();
    return {
      peakRssMb: mb(this.peakRss),
      rssAtStartMb: mb(this.rssAtStart),
      rssAtEndMb: mb(process.memoryUsage().rss),
      peakHeapUsedMb: mb(this.peakHeap),
    };
  }
}

/**
 * Counts the statements the app sends to PostgreSQL. MikroORM routes every statement (queries of the entity
 * manager, raw `execute()` calls, and the begin/commit/savepoint of its transactions) through
 * `Connection.logQuery`, which hands it to the configured logger's `logQuery` whether or not debug logging is on.
 * createTestApp builds the ORM config itself (no `loggerFactory` hook) and pg_stat_statements is not available on
 * the embedded server, so the bench wraps `logQuery` on the app's logger instance. The bench polls the run status
 * through a separate MikroORM instance (its own logger), so polling does not inflate the counts; the statements
 * of the POST's own authentication (session lookup) are included.
 */
class StatementCounter {
  private counts: StatementCounts = StatementCounter.empty();
  private active = false;

  constructor(orm: MikroORM) {
    const logger = orm.config.getLogger();
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (context) => {
      if (this.active) this.record(context.query ?? '');
      original(context);
    };
  }

  private static empty(): StatementCounts {
    return { statements: 0, byKind: {}, writesByTable: {}, directoryWrites: 0, firstWriteByTable: {} };
  }

  start(): void {
    this.counts = StatementCounter.empty();
    this.active = true;
  }

  stop(): StatementCounts {
    this.active = false;
    return this.counts;
  }

  private record(query: string): void {
    const sql = query.trim().toLowerCase();
    const kind = /^[a-z]+/.exec(sql)?.[0] ?? 'other';
    this.counts.statements++;
    this.counts.byKind[kind] = (this.counts.byKind[kind] ?? 0) + 1;
    const write = /(?:^|\s)(?:insert\s+into|update|delete\s+from)\s+"?([a-z0-9_]+)"?/.exec(sql);
    if (write && (kind === 'insert' || kind === 'update' || kind === 'delete' || kind === 'with')) {
      const table = write[1] ?? '?';
      this.counts.writesByTable[table] = (this.counts.writesByTable[table] ?? 0) + 1;
      this.counts.firstWriteByTable[table] ??= abbreviate(query.trim());
      if (!BOOKKEEPING_TABLES.has(table)) this.counts.directoryWrites++;
    }
  }
}

function abbreviate(sql: string): string {
  return sql.length <= 400 ? sql : `${sql.slice(0, 200)} … ${sql.slice(-200)}`;
}

function isTokenRoute(route: string): boolean {
  return /oauth2|token|openid|discovery/i.test(route);
}

function summarizeRoutes(byRoute: Record<string, Record<string, number>>) {
  let requests = 0;
  let tokenRequests = 0;
  let throttled = 0;
  let batchCalls = 0;
  for (const [route, statuses] of Object.entries(byRoute)) {
    for (const [status, count] of Object.entries(statuses)) {
      if (route === 'POST /v1.0/$batch') batchCalls += count;
      if (isTokenRoute(route)) tokenRequests += count;
      else requests += count;
      if (status === '429') throttled += count;
    }
  }
  return { requests, batchCalls, tokenRequests, throttled };
}

// ---- harness -----------------------------------------------------------------------------------------------------

interface Harness {
  t: TestApp;
  m365: EmulatedMicrosoft365;
  statements: StatementCounter;
  /** Reads run status without going through the app's ORM (so it is not counted). */
  monitor: MikroORM;
  close(): Promise<void>;
}

async function startHarness(): Promise<Harness> {
  const m365 = await startEmulatedMicrosoft365({ users: 0, groupDepth: 0, departments: 0 });
  const t = await createTestApp({ microsoft365: m365.moduleOptions });
  const statements = new StatementCounter(t.orm);
  const monitor = await MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: t.orm.config.getClientUrl(),
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: true,
    debug: false,
    pool: { min: 0, max: 1 },
  });
  return {
    t,
    m365,
    statements,
    monitor,
    close: async () => {
      await monitor.close(true);
      await t.close();
      await m365.close();
    },
  };
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
  h.m365.emulator.control.setFaults({ latency: { fixedMs: 0, jitterMs: 0 } });
  const seeded = await h.m365.emulator.control.seed({
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
  const env = { ...h.m365, seeded: { ...seeded, clientId: seeded.clientId ?? '' } };
  const base = await connectTenant(h.t, env, pbx, { permissions: PERMISSIONS });
  await h.t
    .as(pbx.adminToken)
    .patch(`${base}/user-sync/settings`)
    .send({ syncPhotos: photos, extensionStart })
    .expect(200);
  h.m365.emulator.control.setFaults({ latency: { fixedMs: latencyMs, jitterMs: 0 } });
  log(`seeded ${users} users (photos: ${photos}) and connected in ${Date.now() - started} ms`);
  return { pbx, base, directoryId: seeded.tenantId };
}

async function waitForRun(h: Harness, runId: string): Promise<void> {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  const connection = h.monitor.em.getConnection();
  while (Date.now() < deadline) {
    const rows = await connection.execute<{ status: string }[]>(
      'select status from m365_sync_runs where id = ?',
      [runId],
    );
    if (rows[0] && rows[0].status !== 'RUNNING') return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`run ${runId} did not finish within ${RUN_TIMEOUT_MS} ms`);
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
  h.m365.emulator.control.resetCounters();
  const memory = new MemorySampler();
  h.statements.start();
  const started = Date.now();
  const response = await h.t.as(c.pbx.adminToken).post(`${c.base}/user-sync/runs`).send(body).expect(202);
  const runId = (response.body as RunBody).id;
  await waitForRun(h, runId);
  const wallMs = Date.now() - started;
  const database = h.statements.stop();
  const memoryFigures = memory.stop();
  const counters = h.m365.emulator.control.getCounters();
  const run = (await h.t.as(c.pbx.adminToken).get(`${c.base}/user-sync/runs/${runId}`).expect(200))
    .body as RunBody;
  const byCode: Record<string, number> = {};
  for (const issue of run.issues ?? []) byCode[issue.code] = (byCode[issue.code] ?? 0) + 1;
  const result: ScenarioResult = {
    scenario,
    users,
    status: run.status,
    mode: run.mode,
    modeReason: run.modeReason,
    wallMs,
    runDurationMs: run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : null,
    graph: { ...summarizeRoutes(counters.byRoute), byRoute: counters.byRoute, reportedByRun: run.graph },
    counts: run.counts,
    progress: run.progress,
    issues: { total: run.issues?.length ?? 0, byCode },
    error: run.error,
    database,
    memory: memoryFigures,
  };
  log(
    `${scenario}: ${run.status} ${run.mode} in ${wallMs} ms, ${result.graph.requests} Graph requests, ` +
      `${database.statements} statements, peak RSS ${memoryFigures.peakRssMb} MB`,
  );
  return result;
}

/** Changes the job title of 1% of the users the first run linked (at least one). */
async function changeOnePercent(h: Harness, c: Connected, users: number): Promise<number> {
  const count = Math.max(1, Math.floor(users / 100));
  const rows = await h.monitor.em
    .getConnection()
    .execute<{ object_id: string }[]>(
      'select object_id from m365_user_links where pbx_tenant_id = ? order by object_id limit ?',
      [c.pbx.tenant.id, count],
    );
  for (const row of rows) {
    h.m365.emulator.control.updateUser({
      tenant: c.directoryId,
      user: row.object_id,
      changes: { jobTitle: `Benchmark title ${randomUUID().slice(0, 8)}` },
    });
  }
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
  const peak = Math.max(...results.map((r) => r.memory.peakRssMb));
  targets.push({
    target: 'Peak RSS (largest over the scenarios of this size)',
    limit: '< 400 MB',
    measured: peak,
    met: peak < 400,
  });
  return targets;
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// ---- main ----------------------------------------------------------------------------------------------------------

async function startDatabase(): Promise<() => Promise<void>> {
  // createTestApp creates and empties `pbx_test_${JEST_WORKER_ID}` on this server: a name of its own for the bench.
  process.env.JEST_WORKER_ID = 'bench';
  if (process.env.DATABASE_URL) {
    process.env[TEST_SERVER_URL_ENV] = process.env.DATABASE_URL;
    return () => Promise.resolve();
  }
  const directory = await createTemporaryDirectory('pbx-bench-');
  const started = Date.now();
  const cluster = await startEmbeddedDatabase({
    directory: `${directory}/pg`,
    persistent: false,
    fast: true,
  });
  process.env[TEST_SERVER_URL_ENV] = cluster.url;
  log(`embedded PostgreSQL started in ${Date.now() - started} ms`);
  return async () => {
    await cluster.stop();
    await rm(directory, { recursive: true, force: true });
  };
}

interface SizeResult {
  size: number;
  /** RSS of the booted process (app, emulator, ts-node) after a GC, before any directory was seeded. */
  baselineRssMb: number;
  scenarios: ScenarioResult[];
  targets: Target[];
}

async function benchSize(size: number): Promise<SizeResult> {
  const h = await startHarness();
  global.gc?.();
  const baselineRssMb = mb(process.memoryUsage().rss);
  const scenarios: ScenarioResult[] = [];
  try {
    const plain = await seedAndConnect(h, size, false);
    scenarios.push(await measure(h, plain, 'full-without-photos', size));
    scenarios.push(await measure(h, plain, 'incremental-no-change', size));
    const changed = await changeOnePercent(h, plain, size);
    scenarios.push(await measure(h, plain, 'incremental-1pct-changed', changed));
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
  return { size, baselineRssMb, scenarios, targets: evaluate(size, scenarios) };
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
    environment: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      totalMemoryMb: mb(totalmem()),
      database: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL (fsync off)',
    },
    config: {
      sizes,
      injectedLatencyMs: latencyMs,
      extensionStart,
      photos: sizes.map((size) => ({ size, photoScenario: photosFor(size) })),
    },
    notes: [
      'In-process: the host app (Nest, no listening socket; requests via supertest), the Microsoft 365 emulator ' +
        '(HTTPS on loopback, holding the seeded directory in memory) and the PostgreSQL client pool share one ' +
        'Node process, so RSS includes the emulator and its directory, not only the sync. PostgreSQL itself runs ' +
        'in its own processes and is not included.',
      'Each size gets a fresh app and emulator on an emptied database; the photo scenario uses a second ' +
        'directory (seeded with photos) and a second PBX tenant, so its full run creates every user too.',
      'graph.requests counts the requests the emulator answered on Graph routes during the run (token requests ' +
        'are listed apart); graph.reportedByRun is what the run recorded itself.',
      'database.statements counts every statement the app sent through MikroORM during the run (begin/commit ' +
        'included, plus the session lookup of the POST that started it); directoryWrites excludes the writes to ' +
        'the run history row (m365_sync_runs).',
      'wallMs is measured from the POST to the moment a 50 ms poll saw the run finished.',
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
