import 'reflect-metadata';
import { HostConfigError, parseHostConfig } from './config/host-config';
import { seedDemoData } from './demo/demo-data';
import { DemoAdminClient, connectDemoTenant, startDemoMicrosoft365 } from './demo/demo-microsoft365';
import { startHost } from './start-host';
import { UserRole } from './users/user-role';
import { type Server } from 'node:http';
import { join } from 'node:path';

/** The emulated Microsoft 365 listens here (HTTPS, its CA kept in the data folder). */
const EMULATOR_PORT = Number(process.env.DEMO_M365_PORT ?? 8443);

/**
 * `npm run demo`: the host PBX on the embedded database, connected to an emulated Microsoft 365 tenant the way an
 * admin connects a real one, with a first user sync. Restarting keeps the PBX's data.
 */
async function demo(): Promise<void> {
  const env = { NODE_ENV: 'development', ...process.env };
  const preview = parseHostConfig(env);
  const callback = `${preview.publicUrl}/api/microsoft365/sso/callback`;
  const m365 = await startDemoMicrosoft365(preview.dataDir, EMULATOR_PORT, callback);
  const { app, config, newAdminPassword } = await startHost(env, {
    endpoints: { authorityBaseUrl: m365.emulator.baseUrl, graphBaseUrl: m365.emulator.baseUrl },
    trustedCaPem: [m365.emulator.caPem],
  });
  (app.getHttpServer() as Server).once('close', () => void m365.emulator.close());
  const data = await seedDemoData(app);
  const print = (line: string) => console.log(line);

  const tenantAdmin = data.logins.find((login) => login.role === UserRole.TenantAdmin);
  const admin = new DemoAdminClient(`http://127.0.0.1:${config.port}`);
  await admin.login(tenantAdmin?.username ?? 'tenant-admin', tenantAdmin?.password ?? '', data.sipDomain);
  print(`\n  Connecting tenant Contoso to the emulated Microsoft 365 tenant ${m365.seeded.domain}...`);
  await connectDemoTenant(admin, data.tenantId, m365, print);

  const adminPassword = newAdminPassword ?? `(see ${join(config.dataDir, 'admin-password')})`;
  const base = `${config.publicUrl}/api/microsoft365/tenants/${data.tenantId}`;
  print(
    [
      '',
      `  Demo PBX ready. Every endpoint, with "Try it out": ${config.publicUrl}/api/docs`,
      `    system admin:  admin / ${adminPassword}   (no sipDomain)`,
      ...data.logins.map(
        (login) =>
          `    ${login.role.padEnd(13)}: ${login.username} / ${login.password}   sipDomain ${data.sipDomain}`,
      ),
      '',
      '  Try next:',
      `    synced users:     curl -H "Authorization: Bearer ${admin.bearer}" ${config.publicUrl}/api/tenants/${data.tenantId}/users`,
      `    run a sync:       curl -X POST -H "Authorization: Bearer ${admin.bearer}" -H "content-type: application/json" -d '{}' ${base}/user-sync/runs`,
      `    run history:      curl -H "Authorization: Bearer ${admin.bearer}" ${base}/user-sync/runs`,
      `    Sign in with Microsoft: ${config.publicUrl}/api/microsoft365/sso/login?tenant=${data.tenantId}`,
      `      as ${m365.seeded.sampleUserPrincipalNames[0] ?? '-'} / ${m365.seeded.password} (any synced user, same password)`,
      `    the emulator:     ${m365.emulator.baseUrl}/_emulator/counters (Graph requests so far)`,
      data.created ? '  (demo tenant Contoso created)' : '  (existing data kept)',
      '  Stop with Ctrl+C; the data stays in the data folder.',
      '',
    ].join('\n'),
  );
}

demo().catch((error: unknown) => {
  console.error(error instanceof HostConfigError ? error.message : error);
  process.exit(1);
});
