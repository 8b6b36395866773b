import { type MikroORM } from '@mikro-orm/core';
import { Migrator, type UmzugMigration } from '@mikro-orm/migrations';
import { type EntityManager } from '@mikro-orm/postgresql';
import { MICROSOFT365_MIGRATIONS_TABLE, microsoft365Migrations } from './index';

/**
 * Applies the module's pending migrations to the host's database, in one transaction, with their own history table
 * (`microsoft365_migrations`), whatever the host's own migration settings are. Call it at start-up before
 * `app.init()` / `app.listen()`, so that no scheduler of the module runs against a missing table. Returns the names
 * applied. Several instances starting at once are safe: each waits for a PostgreSQL advisory lock, so one migrates
 * and the others find nothing left to do.
 *
 * A host that runs migrations its own way can use `microsoft365Migrations` and `MICROSOFT365_MIGRATIONS_TABLE`
 * instead.
 */
export async function runMicrosoft365Migrations(orm: MikroORM): Promise<string[]> {
  // The module runs on PostgreSQL only (its migrations are PostgreSQL's SQL); `app.get(MikroORM)` types its
  // EntityManager as the driver-neutral one.
  const em = orm.em as unknown as EntityManager;
  // MikroORM's Migrator reads its options once, in its constructor: the ORM's own options are borrowed for that
  // moment only, so the host's migration settings stay as they are.
  const previous = orm.config.get('migrations');
  orm.config.set('migrations', {
    ...previous,
    tableName: MICROSOFT365_MIGRATIONS_TABLE,
    migrationsList: microsoft365Migrations,
    snapshot: false,
    transactional: true,
    allOrNothing: true,
    // Disabling foreign keys needs superuser rights on PostgreSQL, which a managed database does not grant.
    disableForeignKeys: false,
    silent: true,
  });
  let migrator: Migrator;
  try {
    migrator = new Migrator(em);
  } finally {
    orm.config.set('migrations', previous);
  }
  const connection = em.getConnection();
  const applied = await connection.transactional<UmzugMigration[]>(async (transaction) => {
    // Held until this transaction ends; the migrations run inside it, so a second instance sees them applied.
    await connection.execute(
      'select pg_advisory_xact_lock(hashtext(?))',
      [MIGRATION_LOCK],
      'all',
      transaction,
    );
    return migrator.up({ transaction });
  });
  return applied.map((migration) => migration.name);
}

/** The advisory lock that keeps instances starting together from migrating at the same time. */
const MIGRATION_LOCK = MICROSOFT365_MIGRATIONS_TABLE;
