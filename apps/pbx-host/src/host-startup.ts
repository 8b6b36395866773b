import { MikroORM } from '@mikro-orm/postgresql';
import { type INestApplication, Logger } from '@nestjs/common';
import { SystemAdminBootstrap } from './auth/system-admin.bootstrap';
import { runMigrations } from './database/run-migrations';
import { type MasterKeyRewrapReport, MasterKeyRotationService } from '@pbx/microsoft365';

/**
 * What must happen between creating the app and serving: migrate the database (the module's migrations, then the
 * host's), re-wrap the Microsoft 365 secrets under the current master key, then make sure a system admin exists.
 * Explicit and in this order, before any module's init hooks run, so nothing ever touches a table that is not
 * there yet.
 */
export async function prepareHost(
  app: INestApplication,
  options: { migrate: boolean } = { migrate: true },
): Promise<{ adminCreated: boolean; masterKeyRewrap: MasterKeyRewrapReport }> {
  const logger = new Logger('Startup');
  if (options.migrate) {
    const applied = await runMigrations(app.get(MikroORM));
    for (const [set, names] of Object.entries(applied)) {
      if (names.length > 0) {
        logger.log(`Applied ${names.length} ${set} migration(s): ${names.join(', ')}`);
      }
    }
  }
  // After the migrations, before anything reads a secret: moves the stored private keys and service account token
  // caches to the current master key after a rotation (a no-op otherwise; safe when several instances start at once).
  const masterKeyRewrap = await app.get(MasterKeyRotationService).rewrapSecrets();
  if (masterKeyRewrap.unreadable.length > 0) {
    // Logged in detail by the module; the PBX still starts, only the affected tenants' Microsoft 365 (or Teams presence notifications) is down.
    logger.error(
      `${masterKeyRewrap.unreadable.length} Microsoft 365 secret(s) could not be re-wrapped: check PBX_M365_PREVIOUS_MASTER_KEYS`,
    );
  }
  return { adminCreated: await app.get(SystemAdminBootstrap).ensureSystemAdmin(), masterKeyRewrap };
}
