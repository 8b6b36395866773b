import { MikroORM } from '@mikro-orm/postgresql';
import { type INestApplication, Logger } from '@nestjs/common';
import { SystemAdminBootstrap } from '@pbx/host/auth/system-admin.bootstrap';
import { runMigrations } from '@pbx/host/database/run-migrations';

/**
 * What must happen between creating the app and serving: migrate the database (the module's migrations, then the
 * host's), then make sure a system admin exists. Explicit and in this order, before any module's init hooks run,
 * so nothing ever touches a table that is not there yet.
 */
export async function prepareHost(
  app: INestApplication,
  options: { migrate: boolean } = { migrate: true },
): Promise<{ adminCreated: boolean }> {
  const logger = new Logger('Startup');
  if (options.migrate) {
    const applied = await runMigrations(app.get(MikroORM));
    for (const [set, names] of Object.entries(applied)) {
      if (names.length > 0) {
        logger.log(`Applied ${names.length} ${set} migration(s): ${names.join(', ')}`);
      }
    }
  }
  return { adminCreated: await app.get(SystemAdminBootstrap).ensureSystemAdmin() };
}
