/** What the benches share: configuration, logging, route counters, the in-process benches' database, the report header. */
import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { startEmbeddedDatabase } from '@pbx/host/database/embedded-database';
import { createTemporaryDirectory } from '@pbx/host/database/temporary-directory';
import { TEST_SERVER_URL_ENV } from '@pbx/test/support/test-env';
import { rm } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';

const POLL_MS = 50;
const RUN_TIMEOUT_MS = 60 * 60 * 1000;

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
  'through its control API. PostgreSQL runs in its own processes.';
