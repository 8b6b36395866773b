/**
 * What the host process did to PostgreSQL during a scenario, from PostgreSQL's own counters (the host runs in
 * another process: its ORM cannot be wrapped):
 * - statements: pg_stat_statements, the host's role only (the bench polls as another role), reset at the start;
 *   pg-boss's own queue statements (schema pgboss) are counted apart, as they run whether a sync runs or not;
 * - rows written: pg_stat_user_tables' n_tup_ins / n_tup_upd / n_tup_del per table, before and after. Backends
 *   report these when a transaction ends, at most once a second, and a backend that goes idle within that second
 *   holds them until its idle timer (PGSTAT_IDLE_INTERVAL, 10 s) fires
 *   (https://www.postgresql.org/docs/current/monitoring-stats.html): a reading is taken once the counters have not
 *   moved for 11 s, so that no row of a run is counted in the next scenario.
 */
import { sleep } from './bench.measurement';
import { type BenchDatabase } from './bench.database';

/**
 * Tables whose writes are bookkeeping, not directory or contact changes: the run history row (progress included),
 * and the notification settings row the subscriptions tick leases on every tick whether a run goes or not.
 */
const BOOKKEEPING_TABLES = new Set(['m365_sync_runs', 'm365_notification_settings']);
const SETTLE_STEP_MS = 1_000;
/** PostgreSQL's PGSTAT_IDLE_INTERVAL (10 s) and a second. */
const SETTLE_QUIET_MS = 11_000;
const SETTLE_MAX_MS = 60_000;

type TableRows = Record<string, { inserted: number; updated: number; deleted: number }>;

export interface DatabaseFigures {
  /** Statements the host sent (begin/commit included), pg-boss's queue statements apart; null without pg_stat_statements. */
  statements: number | null;
  jobQueueStatements: number | null;
  byKind: Record<string, number>;
  /** Execution time PostgreSQL spent in the host's statements (pg-boss's apart). */
  executionMs: number | null;
  /** The statements that took the most time: calls, rows, total ms, the normalized text (abbreviated). */
  top: { calls: number; rows: number; totalMs: number; query: string }[];
  /** Rows inserted, updated and deleted per table of the schema public; directory: all but the bookkeeping tables. */
  rowsWritten: { total: number; directory: number; byTable: TableRows };
}

interface StatementRow {
  query: string;
  calls: string;
  rows: string;
  total_exec_time: number;
}

async function tableRows(db: BenchDatabase): Promise<TableRows> {
  const result = await db.monitor.query<{ relname: string; ins: string; upd: string; del: string }>(
    `select relname, n_tup_ins as ins, n_tup_upd as upd, n_tup_del as del
       from pg_stat_user_tables where schemaname = 'public'`,
  );
  return Object.fromEntries(
    result.rows.map((row) => [
      row.relname,
      { inserted: Number(row.ins), updated: Number(row.upd), deleted: Number(row.del) },
    ]),
  );
}

/** Reads the table counters until they have not moved for 11 s (at most 60 s: background writes keep moving them). */
async function settledTableRows(db: BenchDatabase): Promise<TableRows> {
  const deadline = Date.now() + SETTLE_MAX_MS;
  let current = await tableRows(db);
  let previous = JSON.stringify(current);
  let quietSince = Date.now();
  while (Date.now() - quietSince < SETTLE_QUIET_MS && Date.now() < deadline) {
    await sleep(SETTLE_STEP_MS);
    current = await tableRows(db);
    const text = JSON.stringify(current);
    if (text !== previous) quietSince = Date.now();
    previous = text;
  }
  return current;
}

function abbreviate(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length <= 300 ? flat : `${flat.slice(0, 200)} … ${flat.slice(-100)}`;
}

export class DatabaseCounters {
  private before: TableRows = {};

  constructor(private readonly db: BenchDatabase) {}

  async start(): Promise<void> {
    this.before = await settledTableRows(this.db);
    if (this.db.statementsAvailable) await this.db.monitor.query('select pg_stat_statements_reset()');
  }

  async stop(): Promise<DatabaseFigures> {
    const statements = this.db.statementsAvailable ? await this.statements() : [];
    const after = await settledTableRows(this.db);
    const byTable: TableRows = {};
    let total = 0;
    let directory = 0;
    for (const [table, now] of Object.entries(after)) {
      const was = this.before[table] ?? { inserted: 0, updated: 0, deleted: 0 };
      const delta = {
        inserted: now.inserted - was.inserted,
        updated: now.updated - was.updated,
        deleted: now.deleted - was.deleted,
      };
      const rows = delta.inserted + delta.updated + delta.deleted;
      if (rows === 0) continue;
      byTable[table] = delta;
      total += rows;
      if (!BOOKKEEPING_TABLES.has(table)) directory += rows;
    }
    const own = statements.filter((row) => !/\bpgboss\./i.test(row.query));
    const queue = statements.filter((row) => /\bpgboss\./i.test(row.query));
    const calls = (rows: StatementRow[]) => rows.reduce((sum, row) => sum + Number(row.calls), 0);
    const byKind: Record<string, number> = {};
    for (const row of own) {
      const kind = /^\s*([a-z]+)/i.exec(row.query)?.[1]?.toLowerCase() ?? 'other';
      byKind[kind] = (byKind[kind] ?? 0) + Number(row.calls);
    }
    const available = this.db.statementsAvailable;
    return {
      statements: available ? calls(own) : null,
      jobQueueStatements: available ? calls(queue) : null,
      byKind,
      executionMs: available ? Math.round(own.reduce((sum, row) => sum + row.total_exec_time, 0)) : null,
      top: [...own]
        .sort((a, b) => b.total_exec_time - a.total_exec_time)
        .slice(0, 8)
        .map((row) => ({
          calls: Number(row.calls),
          rows: Number(row.rows),
          totalMs: Math.round(row.total_exec_time),
          query: abbreviate(row.query),
        })),
      rowsWritten: { total, directory, byTable },
    };
  }

  private async statements(): Promise<StatementRow[]> {
    const result = await this.db.monitor.query<StatementRow>(
      `select s.query, s.calls, s.rows, s.total_exec_time
         from pg_stat_statements s
         join pg_roles r on r.oid = s.userid
         join pg_database d on d.oid = s.dbid
        where r.rolname = $1 and d.datname = current_database()`,
      [this.db.hostRole],
    );
    return result.rows;
  }
}
