import { truncateJobs } from './jobs';
import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { HOST_MIGRATIONS_TABLE } from '@pbx/host/migrations';
import { MICROSOFT365_MIGRATIONS_TABLE } from '@pbx/microsoft365';
import { databaseUrl, TEST_SERVER_URL_ENV, workerDatabaseName } from './test-env';
import { jsonArray } from '@pbx/host/common/sql-array';

export function testServerUrl(): string {
  const url = process.env[TEST_SERVER_URL_ENV];
  if (!url) {
    throw new Error(
      `${TEST_SERVER_URL_ENV} is not set: run the e2e tests with --config test/jest-e2e.config.js`,
    );
  }
  return url;
}

/** Creates `name` on the test server unless it exists; returns its URL. */
export async function ensureDatabase(name: string, dropFirst = false): Promise<string> {
  if (!/^[a-z0-9_]+$/.test(name)) {
    throw new Error(`Unsafe database name ${name}`);
  }
  const server = testServerUrl();
  const admin = await MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: server,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: true,
    debug: false,
  });
  try {
    const connection = admin.em.getConnection();
    if (dropFirst) {
      await connection.execute(`drop database if exists "${name}" with (force)`);
    }
    const exists = await connection.execute('select 1 from pg_database where datname = ?', [name]);
    if (exists.length === 0) {
      await connection.execute(`create database "${name}"`);
    }
  } finally {
    await admin.close(true);
  }
  return databaseUrl(server, name);
}

/** This worker's database, created on first use; the app applies the migrations when it boots. */
export function ensureWorkerDatabase(): Promise<string> {
  return ensureDatabase(workerDatabaseName());
}

/** Empties every table but the migration histories, so each test file starts from a fresh PBX. */
export async function truncateAllTables(orm: MikroORM): Promise<void> {
  const connection = orm.em.getConnection();
  const tables = await connection.execute<{ tablename: string }[]>(
    `select tablename from pg_tables where schemaname = current_schema() and tablename <> all(${jsonArray('text')})`,
    [JSON.stringify([HOST_MIGRATIONS_TABLE, MICROSOFT365_MIGRATIONS_TABLE])],
  );
  if (tables.length > 0) {
    await connection.execute(`truncate ${tables.map((table) => `"${table.tablename}"`).join(', ')} cascade`);
  }
  await truncateJobs(orm);
}
