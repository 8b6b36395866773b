import { type AnyEntity, type EntityClass, ReflectMetadataProvider } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { type Options, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { hostEntities } from './host-entities';
import { HOST_MIGRATIONS_TABLE } from '../migrations';
import { MICROSOFT365_MIGRATIONS_TABLE, microsoft365Entities } from '@pbx/microsoft365';

export type EntityList = EntityClass<AnyEntity>[];

/** Every entity the host's database holds: the host's own and the Microsoft 365 module's. */
export const allEntities: EntityList = [...hostEntities, ...microsoft365Entities];

/**
 * MikroORM options shared by the app, the migration tooling and the tests, so that all of them see the same
 * schema. Entities declare explicit column types, so no TypeScript type information is needed at run time
 * (the tests compile with swc, which emits only partial metadata).
 */
export function createOrmOptions(clientUrl: string, entities: EntityList = allEntities): Options {
  return {
    driver: PostgreSqlDriver,
    clientUrl,
    entities,
    metadataProvider: ReflectMetadataProvider,
    discovery: { requireEntitiesArray: true, disableDynamicFileAccess: true },
    extensions: [Migrator],
    forceUtcTimezone: true,
    // Forgetting a request context must fail loudly instead of sharing one identity map across requests.
    allowGlobalContext: false,
    // Migrations are run explicitly, never implicitly (see runMigrations).
    ensureDatabase: false,
    // Each migration set has its own history table; schema diffs must neither see nor drop them.
    schemaGenerator: { skipTables: [HOST_MIGRATIONS_TABLE, MICROSOFT365_MIGRATIONS_TABLE] },
    debug: false,
  };
}
