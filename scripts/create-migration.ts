/**
 * Creates a migration for one migration set from the difference between its entities and its existing
 * migrations:
 *
 *   npm run migration:create:host [-- <name>]
 *   npm run migration:create:module [-- <name>]
 *
 * It starts a throw-away embedded PostgreSQL, applies that set's committed migrations only, lets MikroORM diff the
 * set's entities against the result (no snapshot files: the migrations themselves are the truth), writes the new
 * migration into the set's folder and regenerates the folder's index.ts.
 */
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { hostEntities } from '@pbx/host/database/host-entities';
import { startEmbeddedDatabase } from '@pbx/host/database/embedded-database';
import { createTemporaryDirectory } from '@pbx/host/database/temporary-directory';
import { createOrmOptions, type EntityList } from '@pbx/host/database/orm-options';
import {
  createMigrator,
  HOST_MIGRATION_SET,
  type MigrationSet,
  MODULE_MIGRATION_SET,
  runMigrations,
} from '@pbx/host/database/run-migrations';
import { microsoft365Entities } from '@pbx/microsoft365';
import { rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { LintCleanMigrationGenerator, prettierWrite, regenerateMigrationIndex } from './migration-files';

interface Target {
  set: MigrationSet;
  entities: EntityList;
  directory: string;
  arrayName: string;
}

const ROOT = resolve(__dirname, '..');

const TARGETS: Record<string, Target> = {
  host: {
    set: HOST_MIGRATION_SET,
    entities: hostEntities,
    directory: join(ROOT, 'apps/pbx-host/src/migrations'),
    arrayName: 'hostMigrations',
  },
  module: {
    set: MODULE_MIGRATION_SET,
    entities: microsoft365Entities,
    directory: join(ROOT, 'libs/microsoft365/src/migrations'),
    arrayName: 'microsoft365Migrations',
  },
};

async function main(): Promise<number> {
  const [which, name] = process.argv.slice(2);
  const target = which ? TARGETS[which] : undefined;
  if (!target || (name !== undefined && !/^[a-z0-9_]+$/i.test(name))) {
    console.error('usage: create-migration.ts <host|module> [name: letters, digits, _]');
    return 2;
  }
  const directory = await createTemporaryDirectory('pbx-migration-');
  const database = await startEmbeddedDatabase({
    directory: join(directory, 'pg'),
    persistent: false,
    fast: true,
  });
  try {
    const url = await database.createDatabase('migration_diff');
    const orm = await MikroORM.init({ ...createOrmOptions(url, target.entities), baseDir: ROOT });
    try {
      await runMigrations(orm, [target.set]);
      const migrator = createMigrator(orm, target.set, {
        path: target.directory,
        pathTs: target.directory,
        emit: 'ts',
        generator: LintCleanMigrationGenerator,
      });
      const result = await migrator.createMigration(target.directory, false, false, name);
      if (!result.fileName) {
        console.log(`No changes: the ${which} entities match the ${which} migrations.`);
        return 0;
      }
      const file = join(target.directory, result.fileName);
      await prettierWrite(file, result.code);
      const all = await regenerateMigrationIndex(target.directory, target.arrayName);
      console.log(`Created ${relative(ROOT, file)} (${result.diff.up.filter(Boolean).length} statements).`);
      console.log(
        `${relative(ROOT, join(target.directory, 'index.ts'))} now lists ${all.length} migration(s).`,
      );
      return 0;
    } finally {
      await orm.close();
    }
  } finally {
    await database.stop();
    await rm(directory, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
