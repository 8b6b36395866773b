/** What the benches share: configuration, memory and statement counting, the database, the report header. */
import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { startEmbeddedDatabase } from '@pbx/host/database/embedded-database';
import { createTemporaryDirectory } from '@pbx/host/database/temporary-directory';
import { TEST_SERVER_URL_ENV } from '@pbx/test/support/test-env';
import { rm } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { type EmulatorProcess } from './emulator.process';

const RSS_SAMPLE_MS = 100;
const POLL_MS = 50;
const RUN_TIMEOUT_MS = 60 * 60 * 1000;
/** Tables whose writes are a run's own bookkeeping (the run history row), not directory or contact changes. */
const BOOKKEEPING_TABLES = new Set(['m365_sync_runs']);

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return value;
}

export const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface MemoryFigures {
  /** The bench process: the PBX (Nest app, MikroORM, the module) plus ts-node and the bench's own driver. */
  pbx: { peakRssMb: number; rssAtStartMb: number; rssAtEndMb: number; peakHeapUsedMb: number };
  /** The emulator's child process (its directory and mailboxes), for comparison only. */
  emulator: { peakRssMb: number; rssAtEndMb: number; peakFrom: 'VmHWM since scenario start' | 'VmHWM' };
}

/** Samples the PBX process's RSS and heap every 100 ms (and once at stop); reads the emulator's VmHWM. */
export class MemorySampler {
  private peakRss = 0;
  private peakHeap = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly rssAtStart = process.memoryUsage().rss;
  private readonly emulatorPeakReset: boolean;

  constructor(private readonly emulator: EmulatorProcess) {
    this.emulatorPeakReset = emulator.resetPeak();
    this.sample();
    this.timer = setInterval(() => this.sample(), RSS_SAMPLE_MS);
  }

  private sample(): void {
    const usage = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, usage.rss);
    this.peakHeap = Math.max(this.peakHeap, usage.heapUsed);
  }

  stop(): MemoryFigures {
    clearInterval(this.timer);
    this.sample();
    const child = this.emulator.memory();
    return {
      pbx: {
        peakRssMb: mb(this.peakRss),
        rssAtStartMb: mb(this.rssAtStart),
        rssAtEndMb: mb(process.memoryUsage().rss),
        peakHeapUsedMb: mb(this.peakHeap),
      },
      emulator: {
        peakRssMb: child.peakRssMb,
        rssAtEndMb: child.rssMb,
        peakFrom: this.emulatorPeakReset ? 'VmHWM since scenario start' : 'VmHWM',
      },
    };
  }
}

export interface StatementCounts {
  /** Every statement the app's MikroORM sent to PostgreSQL, including begin/commit/savepoints. */
  statements: number;
  byKind: Record<string, number>;
  /** insert/update/delete statements by table. */
  writesByTable: Record<string, number>;
  /** Writes outside the run history row (m365_sync_runs). */
  directoryWrites: number;
  /** The first write statement seen per table (its start and end), to tell what was written. */
  firstWriteByTable: Record<string, string>;
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
export class StatementCounter {
  private counts: StatementCounts = StatementCounter.empty();
  private active = false;

  constructor(orm: MikroORM) {
    const logger = orm.config.getLogger();
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (context) => {
      if (this.active) this.record(context.query ?? '');
      // BENCH_SLOW_SQL=1: statements over 50 ms to stderr, to see where a run's database time goes.
      if (this.active && process.env.BENCH_SLOW_SQL && (context.took ?? 0) > 50)
        process.stderr.write(`[slow sql ${context.took}ms] ${(context.query ?? '').slice(0, 300)}\n`);
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

/** Graph requests (token and discovery apart), `$batch` calls and 429s of an emulator counters snapshot. */
export function summarizeRoutes(byRoute: Record<string, Record<string, number>>) {
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

/** Requests per route template, all statuses together; control routes left out. */
export function totalsByRoute(byRoute: Record<string, Record<string, number>>): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const [route, statuses] of Object.entries(byRoute)) {
    if (route.includes('/_emulator/')) continue;
    totals[route] = Object.values(statuses).reduce((a, b) => a + b, 0);
  }
  return totals;
}

/** A second MikroORM on the app's database, so the bench's own polling does not count as the app's statements. */
export function createMonitor(orm: MikroORM): Promise<MikroORM> {
  return MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: orm.config.getClientUrl(),
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: true,
    debug: false,
    pool: { min: 0, max: 1 },
  });
}

export async function waitForRun(monitor: MikroORM, runId: string): Promise<void> {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  const connection = monitor.em.getConnection();
  while (Date.now() < deadline) {
    const rows = await connection.execute<{ status: string }[]>(
      'select status from m365_sync_runs where id = ?',
      [runId],
    );
    if (rows[0] && rows[0].status !== 'RUNNING') return;
    await sleep(POLL_MS);
  }
  throw new Error(`run ${runId} did not finish within ${RUN_TIMEOUT_MS} ms`);
}

/**
 * With DATABASE_URL set, that server is used (createTestApp creates and empties `pbx_test_bench` on it);
 * otherwise a throw-away embedded PostgreSQL is started exactly as test/support/global-setup.ts does.
 */
export async function startDatabase(): Promise<() => Promise<void>> {
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

/** The machine, with its load: figures measured on a busy machine are pessimistic. */
export function environment() {
  const [one, five, fifteen] = loadavg();
  return {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    totalMemoryMb: mb(totalmem()),
    database: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL (fsync off)',
    loadAverage: { oneMinute: one, fiveMinutes: five, fifteenMinutes: fifteen },
  };
}

/** loadavg() at a moment, to record the load around each scenario. */
export function loadNow(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

export const EMULATOR_PROCESS_NOTE =
  'The emulator runs in a child process (apps/m365-emulator/src/main.ts, HTTPS on loopback), seeded and driven ' +
  'through its control API; memory.pbx is the bench process hosting the Nest app (PBX host + module, MikroORM, ' +
  'ts-node, supertest), memory.emulator the child (VmHWM from /proc). PostgreSQL runs in its own processes and ' +
  'is in neither.';
