import './register-aliases';
import 'reflect-metadata';
import { HostConfigError } from '@pbx/host/config/host-config';
import { seedDemoData } from '@pbx/host/demo/demo-data';
import { startHost } from '@pbx/host/start-host';
import { join } from 'node:path';

/** `npm run demo`: the host PBX on the embedded database, with a demo tenant to look at. */
async function demo(): Promise<void> {
  const { app, config, newAdminPassword } = await startHost({ NODE_ENV: 'development', ...process.env });
  const data = await seedDemoData(app);
  const adminPassword = newAdminPassword ?? `(see ${join(config.dataDir, 'admin-password')})`;
  console.log(
    [
      '',
      `  Demo PBX ready: ${config.publicUrl}/api/docs`,
      `    system admin:  admin / ${adminPassword}   (no sipDomain)`,
      ...data.logins.map(
        (login) =>
          `    ${login.role.padEnd(13)}: ${login.username} / ${login.password}   sipDomain ${data.sipDomain}`,
      ),
      data.created ? '  (demo tenant Contoso created)' : '  (existing data kept)',
      '  Stop with Ctrl+C; data stays in the data folder.',
      '',
    ].join('\n'),
  );
}

demo().catch((error: unknown) => {
  console.error(error instanceof HostConfigError ? error.message : error);
  process.exit(1);
});
