/**
 * User-sync benchmark (issues 5 and 20): full, idle-incremental, 1%-changed, photo and photo second-run scenarios
 * of the compiled host process (support/compiled-host.ts) against the Microsoft 365 emulator child with 100 ms of
 * injected latency per request, on a real PostgreSQL; each figure beside its floor measured in the same run.
 *
 *   npm run bench                        # sizes 10000,100000; photos only for 10000
 *   BENCH_SIZES=10000 npm run bench      # one size
 *   BENCH_PHOTOS=0 npm run bench         # no photo scenarios at all
 *   BENCH_PHOTOS=1 npm run bench         # photo scenarios for every size (slow for 100000)
 *   BENCH_PHOTOS_MAX=20000 npm run bench # photo scenarios up to this size (default 10000)
 *   BENCH_LATENCY_MS=100                 # injected latency per emulator request (default 100)
 *   BENCH_PHOTO_BYTES=40000              # bytes of each seeded photo (default 40000; 0 = as small as it renders)
 *   BENCH_EXTENSION_START=100000         # first extension number (default 100000)
 *
 * With DATABASE_URL set, that server is used (the bench drops and re-creates the database `pbx_bench` on it);
 * otherwise a throw-away embedded PostgreSQL with pg_stat_statements is started. Prints the JSON and writes it to
 * bench/results/user-sync.json. Not a timed test: the figures are reported, each target marked met or not.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { environment, envInt, log } from './support/bench.measurement';
import { type BenchDatabase, startBenchDatabase } from './support/bench.database';
import { connectTenant, forEachLimited } from './support/emulator.process';
import { type BulkWriteFloor, measureBulkWrite, ratio, type TargetResult } from './support/floors';
import { type Harness, type MeasuredRun, measureRun, startHarness } from './support/host-harness';
import { type PhotoCeiling, probePhotoCeiling } from './support/photo-ceiling';

const RESULTS_DIR = join(__dirname, 'results');
const RESULTS_FILE = join(RESULTS_DIR, 'user-sync.json');
const PERMISSIONS = ['User.Read.All', 'GroupMember.Read.All', 'ProfilePhoto.Read.All'];
/** Graph's largest page of users (https://learn.microsoft.com/en-us/graph/paging: `$top` up to 999). */
const PAGE_SIZE = 999;
const CONTROL_CONCURRENCY = 16;

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
 * Each seeded photo's weight. Graph serves the largest size a user has (up to 648 × 648,
 * https://learn.microsoft.com/en-us/graph/api/resources/profilephoto); such a JPEG weighs tens of kilobytes (our
 * assumption, Microsoft gives no figure). The emulator's own photos are a few hundred bytes, which would hide what
 * photos cost a run in transit, memory and storage.
 */
const photoBytes = envInt('BENCH_PHOTO_BYTES', 40_000);
/** The default range keeps four digits (9,000 numbers), too few for 10,000 users: a six-digit start. */
const extensionStart = process.env.BENCH_EXTENSION_START ?? '100000';

function photosFor(size: number): boolean {
  if (photosSetting === '0') return false;
  if (photosSetting === '1') return true;
  return size <= photosMax;
}

interface Connected {
  base: string;
  adminToken: string;
  tenantId: string;
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
    ...(photos && photoBytes > 0 ? { photoBytes } : {}),
    app: { permissions: PERMISSIONS },
  });
  const pbx = await h.host.createTenantWithAdmin();
  const base = await connectTenant(
    h.host.admin,
    h.emulator,
    { tenantId: seeded.tenantId, clientId: seeded.clientId ?? '' },
    pbx,
    { permissions: PERMISSIONS },
  );
  await h.host.admin
    .as(pbx.adminToken)
    .patch(`${base}/user-sync/settings`)
    .send({ syncPhotos: photos, extensionStart })
    .expect(200);
  await h.emulator.control('setFaults', { latency: { fixedMs: latencyMs, jitterMs: 0 } });
  log(`seeded ${users} users (photos: ${photos}) and connected in ${Date.now() - started} ms`);
  return { base, adminToken: pbx.adminToken, tenantId: pbx.tenant.id, directoryId: seeded.tenantId };
}

/** Changes the job title of 1% of the users the first run linked (at least one), through the control API. */
async function changeOnePercent(h: Harness, c: Connected, users: number): Promise<number> {
  const count = Math.max(1, Math.floor(users / 100));
  const rows = await h.db.monitor.query<{ object_id: string }>(
    'select object_id from m365_user_links where pbx_tenant_id = $1 order by object_id limit $2',
    [c.tenantId, count],
  );
  await forEachLimited(rows.rows, CONTROL_CONCURRENCY, async (row) => {
    await h.emulator.control('updateUser', {
      tenant: c.directoryId,
      user: row.object_id,
      changes: { jobTitle: `Benchmark title ${randomUUID().slice(0, 8)}` },
    });
  });
  return rows.rows.length;
}

const photoRequests = (run: MeasuredRun) =>
  Object.entries(run.graph.byRoute)
    .filter(([route]) => /\/photo/.test(route))
    .reduce((sum, [, statuses]) => sum + Object.values(statuses).reduce((a, b) => a + b, 0), 0);

interface Floors {
  bulkWrites: BulkWriteFloor[];
  /** (pages read one after another + the token request) × latency + the bulk writes. */
  fullRunMs: number;
  fullRunBasis: string;
  photoCeiling: PhotoCeiling | null;
}

function evaluate(size: number, runs: MeasuredRun[], floors: Floors): TargetResult[] {
  const targets: TargetResult[] = [];
  const find = (scenario: string) => runs.find((r) => r.scenario === scenario);
  const full = find('full-without-photos');
  const idle = find('incremental-no-change');
  const photos = find('full-with-photos');
  if (full) {
    const limit = Math.ceil(size / PAGE_SIZE) + 5;
    targets.push({
      target: 'Graph requests of a full run without photos',
      limit: `<= ceil(N/999)+5 = ${limit}`,
      figure: full.graph.requests,
      floor: Math.ceil(size / PAGE_SIZE),
      ratio: ratio(full.graph.requests, Math.ceil(size / PAGE_SIZE)),
      met: full.status === 'SUCCEEDED' && full.graph.requests <= limit,
    });
    targets.push({
      target: `Full run of ${size} users without photos: wall time`,
      limit: '<= 1.2 x floor',
      figure: full.wallMs,
      floor: floors.fullRunMs,
      ratio: ratio(full.wallMs, floors.fullRunMs),
      met: full.status === 'SUCCEEDED' && full.wallMs <= floors.fullRunMs * 1.2,
    });
  }
  if (idle) {
    // The run's own count: the emulator's counters also see what the host's background ticks ask meanwhile (the
    // subscriptions tick and its fallback run in the production host); they are listed in graph.byRoute.
    const own = idle.graph.reportedByRun.requests;
    targets.push({
      target: `Idle incremental run: Graph requests (the run's own count; the emulator saw ${idle.graph.requests} meanwhile)`,
      limit: '= 1',
      figure: own,
      floor: 1,
      ratio: ratio(own, 1),
      met: idle.status === 'SUCCEEDED' && own === 1,
    });
    targets.push({
      target: 'Idle incremental run: rows written besides the run history row',
      limit: '= 0',
      figure: idle.database.rowsWritten.directory,
      floor: 0,
      ratio: null,
      met: idle.status === 'SUCCEEDED' && idle.database.rowsWritten.directory === 0,
    });
  }
  if (photos && floors.photoCeiling) {
    const perSecond = Math.round((photoRequests(photos) * 1000) / photos.wallMs);
    const ceiling = floors.photoCeiling.photosPerSecond;
    targets.push({
      target: `Photos of ${size} users: photos per second of the full run with photos`,
      limit: '>= 0.9 x the ceiling the throttling allows (photos/s)',
      figure: perSecond,
      floor: ceiling,
      ratio: ratio(perSecond, ceiling),
      met: photos.status === 'SUCCEEDED' && perSecond >= ceiling * 0.9 && photos.graph.throttled === 0,
      bound: photoCpuBound(photos),
    });
  }
  const peak = Math.max(...runs.map((r) => r.host.peakRssMb));
  targets.push({
    target: 'Peak RSS of the host process alone (compiled build; largest over the scenarios of this size)',
    limit: '<= 400 MB',
    figure: peak,
    floor: null,
    ratio: null,
    met: peak <= 400,
  });
  return targets;
}

/**
 * The most photos per second the CPU this run spent allows on this machine: the host, the emulator and PostgreSQL
 * share its cores, so however well their work overlaps, the run takes at least their CPU time / the cores. The
 * ceiling is measured with the emulator alone; when this bound is below 0.9 × the ceiling, the target cannot be met
 * on this machine with this much CPU per photo (README, "Targets of issue 20").
 */
function photoCpuBound(run: MeasuredRun): Record<string, unknown> {
  const cores = availableParallelism();
  const cpuMs = { host: run.host.cpuMs, emulator: run.emulator.cpuMs, postgres: run.postgresCpuMs };
  const totalCpuMs = cpuMs.host + cpuMs.emulator + cpuMs.postgres;
  return {
    kind: 'cpu',
    cores,
    cpuMs,
    photosPerSecond: totalCpuMs > 0 ? Math.round((photoRequests(run) * 1000 * cores) / totalCpuMs) : null,
  };
}

interface SizeResult {
  size: number;
  /** The host process once it listened, before any seed or sync. */
  hostBootRssMb: number;
  /**
   * CPU time of the emulator child per page read in the full run without photos (its /proc utime + stime over the
   * run, token and discovery included, / pages): what the emulator adds to each page's 100 ms of latency.
   */
  emulatorCpuMsPerPage: number | null;
  floors: Floors;
  scenarios: MeasuredRun[];
  targets: TargetResult[];
}

async function benchSize(db: BenchDatabase, size: number): Promise<SizeResult> {
  const h = await startHarness(db);
  const scenarios: MeasuredRun[] = [];
  let floors: Floors | undefined;
  try {
    const plain = await seedAndConnect(h, size, false);
    // The bulk-write floor on the same database, before the run: the users and the links of N users.
    const bulkWrites = [
      await measureBulkWrite(db.monitor, 'users', size),
      await measureBulkWrite(db.monitor, 'm365_user_links', size),
    ];
    const chained = Math.ceil(size / PAGE_SIZE) + 1;
    const bulkMs = bulkWrites.reduce((sum, write) => sum + write.ms, 0);
    floors = {
      bulkWrites,
      fullRunMs: chained * latencyMs + bulkMs,
      fullRunBasis:
        `${chained} requests one after another (ceil(${size}/${PAGE_SIZE}) pages + the token request) x ` +
        `${latencyMs} ms + ${bulkMs} ms of bulk writes (users and links, one statement each)`,
      photoCeiling: null,
    };
    log(`floor of the full run: ${floors.fullRunMs} ms (${floors.fullRunBasis})`);
    const run = (scenario: string, c: Connected, body: Record<string, unknown> = {}) =>
      measureRun(h, c, 'user-sync', scenario, body);
    scenarios.push(await run('full-without-photos', plain));
    scenarios.push(await run('incremental-no-change', plain, { mode: 'incremental' }));
    await changeOnePercent(h, plain, size);
    scenarios.push(await run('incremental-1pct-changed', plain, { mode: 'incremental' }));
    if (photosFor(size)) {
      floors.photoCeiling = await probePhotoCeiling(h.emulator, size, photoBytes);
      // A directory of its own, so this run creates every user and downloads every photo from scratch.
      const withPhotos = await seedAndConnect(h, size, true);
      scenarios.push(await run('full-with-photos', withPhotos));
      // The same directory again, nothing changed: what a second full run with photos costs.
      scenarios.push(await run('full-with-photos-second-run', withPhotos));
    } else {
      log(`photo scenarios skipped for ${size} users (BENCH_PHOTOS=1 or BENCH_PHOTOS_MAX to include them)`);
    }
  } finally {
    await h.close();
  }
  if (!floors) throw new Error('the floors were not measured');
  const full = scenarios.find((run) => run.scenario === 'full-without-photos');
  const pages = full?.progress.pagesRead ?? 0;
  return {
    size,
    hostBootRssMb: h.bootRssMb,
    emulatorCpuMsPerPage: full && pages > 0 ? Math.round(full.emulator.cpuMs / pages) : null,
    floors,
    scenarios,
    targets: evaluate(size, scenarios, floors),
  };
}

async function main(): Promise<void> {
  const db = await startBenchDatabase();
  const results: SizeResult[] = [];
  try {
    for (const size of sizes) {
      results.push(await benchSize(db, size));
      // Written after each size too, so a long run that is cut short still leaves its figures.
      await writeReport(results, false);
    }
  } finally {
    await db.stop();
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
      photos: sizes.map((size) => ({ size, photoScenarios: photosFor(size) })),
      photoBytes,
    },
    notes: [
      'The host runs as production runs it: node on the compiled build (dist/, bench/host/bench-host.main.ts ' +
        'around apps/pbx-host/src/start-host.ts), NODE_ENV=production, in a process of its own; the bench drives ' +
        'it over HTTP (admin REST API). host.* figures are that process alone (/proc/<pid>: VmRSS every 100 ms and ' +
        'VmHWM since the scenario start; CPU = utime + stime). The emulator is another child process; PostgreSQL ' +
        'runs in its own processes and is in neither.',
      'database.statements: pg_stat_statements for the host role (begin/commit included, pg-boss queue statements ' +
        'apart in jobQueueStatements); database.rowsWritten: n_tup_ins + n_tup_upd + n_tup_del of ' +
        'pg_stat_user_tables before and after the run (settled), per table; directory = all but the run history ' +
        '(m365_sync_runs) and the notification settings row the subscriptions tick leases (m365_notification_settings).',
      'floors.fullRunMs: requests that cannot overlap (the pages of the users delta, each needs the previous ' +
        'one’s nextLink, and the token request) x the injected latency, plus the bulk-write floor: one INSERT ... ' +
        'SELECT FROM jsonb_to_recordset of N rows into scratch copies of users and m365_user_links (same columns, ' +
        'defaults and indexes) on the same database, timed in this run.',
      'floors.photoCeiling: the lower of two bounds (support/photo-ceiling.ts): $batch calls of 20 and of 4 photos ' +
        'straight to the emulator at increasing concurrency, each level with a full resource-unit budget, until a 429 ' +
        'or no more gain, the best of either shape (measured in this run), and what the directory’s resource-unit ' +
        'budget allows for as many photos (computed). Photos per second of the ' +
        'photo scenario = photo requests the emulator answered / wall time of the run (which also writes the users).',
      'targets[].bound of the photo target: the photos/s the CPU of this run allows on this machine (photos × ' +
        'cores / (host + emulator + PostgreSQL CPU of the run)): the three share the cores, so no overlap of their ' +
        'work beats it. The ceiling is measured with the emulator alone; a bound below 0.9 × the ceiling means the ' +
        'target cannot be met on this machine at this CPU per photo.',
      'full-with-photos-second-run: a second full run of the photo directory with nothing changed (no target in ' +
        'the issue; its requests, rows written and time are what it costs).',
      'wallMs: from the POST to the moment a 50 ms poll of the database (as another role) saw the run finished. ' +
        'loadAverage is os.loadavg()[0] around each scenario: on a busy machine the wall times are pessimistic.',
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
