import { MikroORM } from '@mikro-orm/postgresql';
import { hostEntities } from '@pbx/host/database/host-entities';
import { allEntities, createOrmOptions, type EntityList } from '@pbx/host/database/orm-options';
import {
  HOST_MIGRATION_SET,
  MIGRATION_SETS,
  type MigrationSet,
  MODULE_MIGRATION_SET,
  runMigrations,
} from '@pbx/host/database/run-migrations';
import {
  microsoft365Entities,
  MICROSOFT365_MIGRATIONS_TABLE,
  runMicrosoft365Migrations,
} from '@pbx/microsoft365';
import { ensureDatabase } from '@pbx/test/support/test-database';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** The schema changes MikroORM would still make after the migrations: empty when they match the entities. */
async function pendingDiff(
  database: string,
  entities: EntityList,
  sets: readonly MigrationSet[],
): Promise<string> {
  const url = await ensureDatabase(database, true);
  const orm = await MikroORM.init(createOrmOptions(url, entities));
  try {
    await runMigrations(orm, sets);
    // A second run must find nothing to do.
    expect(Object.values(await runMigrations(orm, sets)).flat()).toEqual([]);
    return (await orm.schema.getUpdateSchemaSQL({ wrap: false })).trim();
  } finally {
    await orm.close(true);
  }
}

const worker = process.env.JEST_WORKER_ID ?? '1';

/**
 * The committed migrations must produce exactly the schema the entities describe. When this fails, run
 * `npm run migration:create:host` or `npm run migration:create:module` and commit the new migration.
 */
describe('migrations', () => {
  it.each([
    ['host', hostEntities, HOST_MIGRATION_SET, 'npm run migration:create:host'],
    ['module', microsoft365Entities, MODULE_MIGRATION_SET, 'npm run migration:create:module'],
  ] as const)('of the %s match its entities', async (name, entities, set, command) => {
    const diff = await pendingDiff(`pbx_migrations_${name}_${worker}`, entities, [set]);
    if (diff !== '') {
      throw new Error(
        `The ${name} entities differ from the ${name} migrations; run \`${command}\`:\n${diff}`,
      );
    }
  });

  it('together build the whole schema, module first', async () => {
    expect(await pendingDiff(`pbx_migrations_all_${worker}`, allEntities, MIGRATION_SETS)).toBe('');
  });

  it('of the module run once when several instances start together (runMicrosoft365Migrations)', async () => {
    const url = await ensureDatabase(`pbx_migrations_together_${worker}`, true);
    const instances = await Promise.all(
      [1, 2, 3].map(() => MikroORM.init(createOrmOptions(url, microsoft365Entities))),
    );
    try {
      const applied = await Promise.all(instances.map((orm) => runMicrosoft365Migrations(orm)));
      // One instance applied them all, the others found nothing left; none failed on a table created meanwhile.
      expect(applied.map((names) => names.length).sort()).toEqual([
        0,
        0,
        MODULE_MIGRATION_SET.migrations.length,
      ]);
      const history = await instances[0]!.em
        .fork()
        .execute<{ count: string }[]>(`select count(*)::text as count from ${MICROSOFT365_MIGRATIONS_TABLE}`);
      expect(history[0]?.count).toBe(String(MODULE_MIGRATION_SET.migrations.length));
      // The host's own migration settings are left as they were.
      expect(instances[0]!.config.get('migrations').tableName).not.toBe(MICROSOFT365_MIGRATIONS_TABLE);
    } finally {
      await Promise.all(instances.map((orm) => orm.close(true)));
    }
  });

  it.each([
    ['apps/pbx-host/src/migrations', HOST_MIGRATION_SET],
    ['libs/microsoft365/src/migrations', MODULE_MIGRATION_SET],
  ] as const)('listed in %s/index.ts include every migration file there', async (directory, set) => {
    const files = (await readdir(join(ROOT, directory)))
      .filter((file) => /^Migration\d{14}(_\w+)?\.ts$/.test(file))
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    expect(set.migrations.map((migration) => migration.name)).toEqual(files);
  });
});
