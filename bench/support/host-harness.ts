/**
 * What the user-sync and contact-sync benches share: the emulator child, the compiled host process on the bench
 * database, and one measured run (started through the admin REST API, polled through the database as the monitor
 * role, with the host's memory, CPU, statements and rows written, and the emulator's request counters).
 */
import { log, loadNow, sleep, summarizeRoutes } from './bench.measurement';
import { type BenchDatabase } from './bench.database';
import { type CompiledHost, startCompiledHost } from './compiled-host';
import { type DatabaseFigures, DatabaseCounters } from './db-counters';
import { type EmulatorProcess, startEmulatorProcess } from './emulator.process';
import { ProcSampler, readPostgresCpuMs } from './proc-stats';

const POLL_MS = 50;
const RUN_TIMEOUT_MS = 60 * 60 * 1000;

export interface RunBody {
  id: string;
  status: string;
  mode: string;
  modeReason: string | null;
  startedAt: string;
  finishedAt: string | null;
  counts: Record<string, number>;
  progress: Record<string, number>;
  graph: { requests: number; retries: number; throttled: number; waitedMs: number };
  issues: { severity: string; code: string; message: string }[];
  error: { code: string; message: string; action?: string } | null;
}

export interface Harness {
  db: BenchDatabase;
  emulator: EmulatorProcess;
  host: CompiledHost;
  counters: DatabaseCounters;
  /** RSS of the host process once it listens, before anything is seeded or synced. */
  bootRssMb: number;
  close(): Promise<void>;
}

export async function startHarness(db: BenchDatabase, env: Record<string, string> = {}): Promise<Harness> {
  await db.recreate();
  const emulator = await startEmulatorProcess();
  try {
    const host = await startCompiledHost({ databaseUrl: db.hostUrl, emulator, env });
    // Let the start settle (its first schedules and job-queue maintenance) before reading its baseline.
    await sleep(2_000);
    return {
      db,
      emulator,
      host,
      counters: new DatabaseCounters(db),
      bootRssMb: host.memory().rssMb,
      close: async () => {
        await host.close();
        await emulator.close();
      },
    };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

export async function waitForRun(db: BenchDatabase, runId: string): Promise<void> {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const result = await db.monitor.query<{ status: string }>(
      'select status from m365_sync_runs where id = $1',
      [runId],
    );
    const status = result.rows[0]?.status;
    if (status && status !== 'RUNNING') return;
    await sleep(POLL_MS);
  }
  throw new Error(`run ${runId} did not finish within ${RUN_TIMEOUT_MS} ms`);
}

export interface MeasuredRun {
  scenario: string;
  status: string;
  mode: string;
  modeReason: string | null;
  /** From the POST to the moment a 50 ms poll of the database saw the run finished. */
  wallMs: number;
  /** finishedAt - startedAt of the run record. */
  runDurationMs: number | null;
  loadAverage: { atStart: number; atEnd: number };
  graph: ReturnType<typeof summarizeRoutes> & {
    byRoute: Record<string, Record<string, number>>;
    reportedByRun: RunBody['graph'];
  };
  counts: Record<string, number>;
  progress: Record<string, number>;
  issues: { total: number; byCode: Record<string, number> };
  error: RunBody['error'];
  database: DatabaseFigures;
  /** The host process alone (compiled build): peak RSS over the run, its RSS before and after, its CPU time. */
  host: ReturnType<ProcSampler['stop']>;
  /** The emulator child, for comparison. */
  emulator: ReturnType<ProcSampler['stop']>;
  /** CPU time of the PostgreSQL server (all its processes) over the run: on 2 cores it competes with the host. */
  postgresCpuMs: number;
}

/** POSTs `{base}/{kind}/runs`, waits for the run and gathers every figure of it. */
export async function measureRun(
  h: Harness,
  target: { base: string; adminToken: string },
  kind: 'user-sync' | 'contact-sync',
  scenario: string,
  body: Record<string, unknown> = {},
): Promise<MeasuredRun> {
  log(`${scenario} ...`);
  await h.emulator.control('resetCounters', {});
  await h.counters.start();
  const loadAtStart = loadNow();
  const hostSampler = new ProcSampler(h.host.pid);
  const emulatorSampler = new ProcSampler(h.emulator.pid);
  const postgresCpuAtStart = readPostgresCpuMs();
  const started = Date.now();
  const response = await h.host.call('POST', `${target.base}/${kind}/runs`, {
    token: target.adminToken,
    json: body,
  });
  if (response.status !== 202) throw new Error(`POST ${kind}/runs: ${response.status} ${response.text}`);
  const runId = (response.body as RunBody).id;
  await waitForRun(h.db, runId);
  const wallMs = Date.now() - started;
  const host = hostSampler.stop();
  const emulator = emulatorSampler.stop();
  const postgresCpuMs = readPostgresCpuMs() - postgresCpuAtStart;
  const loadAtEnd = loadNow();
  const counters = await h.emulator.counters();
  const database = await h.counters.stop();
  const run = (await h.host.call('GET', `${target.base}/${kind}/runs/${runId}`, { token: target.adminToken }))
    .body as RunBody;
  const byCode: Record<string, number> = {};
  for (const issue of run.issues ?? []) byCode[issue.code] = (byCode[issue.code] ?? 0) + 1;
  const byRoute = Object.fromEntries(
    Object.entries(counters.byRoute).filter(([route]) => !route.includes('/_emulator/')),
  );
  const result: MeasuredRun = {
    scenario,
    status: run.status,
    mode: run.mode,
    modeReason: run.modeReason,
    wallMs,
    runDurationMs: run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : null,
    loadAverage: { atStart: loadAtStart, atEnd: loadAtEnd },
    graph: { ...summarizeRoutes(byRoute), byRoute, reportedByRun: run.graph },
    counts: run.counts,
    progress: run.progress,
    issues: { total: run.issues?.length ?? 0, byCode },
    error: run.error,
    database,
    host,
    emulator,
    postgresCpuMs,
  };
  log(
    `${scenario}: ${run.status} ${run.mode} in ${wallMs} ms, ${result.graph.requests} Graph requests, ` +
      `${String(database.statements)} statements, ${database.rowsWritten.total} rows written, host peak RSS ` +
      `${host.peakRssMb} MB, host CPU ${host.cpuMs} ms (${host.systemCpuMs} ms system), ` +
      `PostgreSQL CPU ${postgresCpuMs} ms, emulator CPU ${emulator.cpuMs} ms`,
  );
  return result;
}
