import { type MigrationObject, type MigrationsOptions } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { type MikroORM } from '@mikro-orm/postgresql';
import { HOST_MIGRATIONS_TABLE, hostMigrations } from '../migrations';
import {
  MICROSOFT365_MIGRATIONS_TABLE,
  microsoft365Migrations,
  runMicrosoft365Migrations,
} from '@pbx/microsoft365';

export interface MigrationSet {
  name: 'module' | 'host';
  tableName: string;
  migrations: MigrationObject[];
}

export const MODULE_MIGRATION_SET: MigrationSet = {
  name: 'module',
  tableName: MICROSOFT365_MIGRATIONS_TABLE,
  migrations: microsoft365Migrations,
};

export const HOST_MIGRATION_SET: MigrationSet = {
  name: 'host',
  tableName: HOST_MIGRATIONS_TABLE,
  migrations: hostMigrations,
};

/** In the order they run: the module's tables first, so host migrations may refer to them, never the reverse. */
export const MIGRATION_SETS: readonly MigrationSet[] = [MODULE_MIGRATION_SET, HOST_MIGRATION_SET];

/**
 * A migrator for one set, with its own history table. The migrations come as a list of classes
 * (`migrationsList`), so this works the same from TypeScript sources and compiled JavaScript.
 */
export function createMigrator(orm: MikroORM, set: MigrationSet, extra: MigrationsOptions = {}): Migrator {
  // The Migrator reads its options once, in its constructor; the ORM config is only borrowed for that moment.
  const previous = orm.config.get('migrations');
  orm.config.set('migrations', {
    ...previous,
    tableName: set.tableName,
    migrationsList: set.migrations,
    snapshot: false,
    transactional: true,
    allOrNothing: true,
    // Disabling foreign keys needs superuser rights on PostgreSQL, which a managed database does not grant.
    disableForeignKeys: false,
    silent: true,
    ...extra,
  });
  try {
    return new Migrator(orm.em);
  } finally {
    orm.config.set('migrations', previous);
  }
}

/**
 * Applies the pending migrations of every set, module first, each in one transaction. Called explicitly at
 * start-up (never from a module's init hook: a library must not change the host's database behind its back).
 * Returns the names applied, per set.
 */
export async function runMigrations(
  orm: MikroORM,
  sets: readonly MigrationSet[] = MIGRATION_SETS,
): Promise<Record<string, string[]>> {
  const applied: Record<string, string[]> = {};
  for (const set of sets) {
    // The module's set goes through the module's own runner (its history table, a lock against instances
    // migrating together), as any host's would; the host's own set through the same kind of migrator.
    applied[set.name] =
      set === MODULE_MIGRATION_SET
        ? await runMicrosoft365Migrations(orm)
        : (await createMigrator(orm, set).up()).map((migration) => migration.name);
  }
  return applied;
}
