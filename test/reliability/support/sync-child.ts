/**
 * A second PBX process for the crash scenarios: boots the host with the module against the test database and runs
 * one user sync (or contact sync, CHILD_SYNC=contacts) of a tenant, until the parent kills it with SIGKILL.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '@pbx/host/app.module';
import { type HostConfig } from '@pbx/host/config/host-config';
import { type Microsoft365ModuleOptions } from '@pbx/microsoft365';
import { RunTrigger } from '@pbx/microsoft365/runs/sync-run-status';
import { UserSyncRunner } from '@pbx/microsoft365/user-sync/user-sync.runner';
import { ContactSyncRunner } from '@pbx/microsoft365/contact-sync/contact-sync.runner';

async function main(): Promise<void> {
  const config = JSON.parse(process.env.CHILD_HOST_CONFIG ?? '{}') as HostConfig;
  const microsoft365 = JSON.parse(
    process.env.CHILD_M365_OPTIONS ?? '{}',
  ) as Partial<Microsoft365ModuleOptions>;
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({ config, databaseUrl: process.env.CHILD_DATABASE_URL ?? '', microsoft365 }),
    { logger: ['error'] },
  );
  process.stdout.write('READY\n');
  const tenant = process.env.CHILD_PBX_TENANT ?? '';
  const request = { trigger: RunTrigger.Manual, full: true };
  const run =
    process.env.CHILD_SYNC === 'contacts'
      ? await app.get(ContactSyncRunner).runNow(tenant, request)
      : await app.get(UserSyncRunner).runNow(tenant, request);
  process.stdout.write(`DONE ${run.status}\n`);
  await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
