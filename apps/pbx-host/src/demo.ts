import 'reflect-metadata';
import { HostConfigError, parseHostConfig } from './config/host-config';
import { seedDemoData } from './demo/demo-data';
import { DemoAdminClient, connectDemoTenant, startDemoMicrosoft365 } from './demo/demo-microsoft365';
import { startHost } from './start-host';
import { UserRole } from './users/user-role';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

/** The emulated Microsoft 365 listens here (HTTPS, its CA kept in the data folder); 0 takes any free port. */
const EMULATOR_PORT = Number(process.env.DEMO_M365_PORT ?? 8443);

/**
 * `npm run demo`: the host PBX on the embedded database, connected to an emulated Microsoft 365 tenant the way an
 * admin connects a real one, with a first user sync. Restarting keeps the PBX's data and the admin's settings.
 */
async function demo(): Promise<void> {
  const env = { NODE_ENV: 'development', ...process.env };
  const preview = parseHostConfig(env);
  // Before the database and the emulator start, in the order they start: a port in use is then said in a second,
  // not after a minute.
  await ensurePortFree(EMULATOR_PORT);
  await ensurePortFree(preview.port);
  const callback = `${preview.publicUrl}/api/microsoft365/sso/callback`;
  const m365 = await startDemoMicrosoft365(preview.dataDir, EMULATOR_PORT, callback);
  // Quiet unless LOG_LEVEL asks for more: the demo's own lines are what to read.
  const { app, config, newAdminPassword } = await startHost(
    env,
    {
      endpoints: { authorityBaseUrl: m365.emulator.baseUrl, graphBaseUrl: m365.emulator.baseUrl },
      trustedCaPem: [m365.emulator.caPem],
    },
    'warn',
  );
  (app.getHttpServer() as Server).once('close', () => void m365.emulator.close());
  const data = await seedDemoData(app);
  const print = (line: string) => console.log(line);

  const tenantAdmin = data.logins.find((login) => login.role === UserRole.TenantAdmin);
  const tokenOwner = tenantAdmin?.username ?? 'tenant-admin';
  const admin = new DemoAdminClient(`http://127.0.0.1:${config.port}`);
  await admin.login(tokenOwner, tenantAdmin?.password ?? '', data.sipDomain);
  print(`\n  Connecting tenant Contoso to the emulated Microsoft 365 tenant ${m365.seeded.domain}...`);
  const { configured } = await connectDemoTenant(admin, data.tenantId, m365, print);

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
      configured
        ? '  Microsoft 365 settings: set up by the demo on this first start.'
        : '  Microsoft 365 settings: kept as they were (the demo sets them up on the first start only).',
      '',
      `  Try next (the token below is ${tokenOwner}'s, the tenant admin of Contoso, valid for ` +
        `${config.sessionTtlMinutes} minutes):`,
      `    synced users:     curl -H "Authorization: Bearer ${admin.bearer}" ${config.publicUrl}/api/tenants/${data.tenantId}/users`,
      `    run a sync:       curl -X POST -H "Authorization: Bearer ${admin.bearer}" -H "content-type: application/json" -d '{}' ${base}/user-sync/runs`,
      `    run history:      curl -H "Authorization: Bearer ${admin.bearer}" ${base}/user-sync/runs`,
      `    Sign in with Microsoft: ${config.publicUrl}/api/microsoft365/sso/login?tenant=${data.tenantId}`,
      `      as ${m365.seeded.sampleUserPrincipalNames[0] ?? '-'} / ${m365.seeded.password} (any synced user, same password)`,
      `    the emulator (HTTPS, its own CA): curl --cacert ${m365.caPath} ${m365.emulator.baseUrl}/_emulator/counters`,
      `      (Graph requests so far; for a browser, trust ${m365.caPath})`,
      data.created ? '  (demo tenant Contoso created)' : '  (existing data kept)',
      '  Stop with Ctrl+C; the data stays in the data folder.',
      '',
    ].join('\n'),
  );
}

/** Fails with the listen error (EADDRINUSE and its port) when `port` is taken; the real listen checks again. */
async function ensurePortFree(port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(port, () => probe.close(() => resolve()));
  });
}

/** What to tell a newcomer when the demo cannot start: a sentence, not a stack trace, for the usual causes. */
function describeFailure(error: unknown): unknown {
  if (error instanceof HostConfigError) return error.message;
  const listen = error as { code?: unknown; port?: unknown };
  if (listen.code === 'EADDRINUSE' && typeof listen.port === 'number') {
    const [what, variable] =
      listen.port === EMULATOR_PORT
        ? ['the emulated Microsoft 365', 'DEMO_M365_PORT']
        : ['the demo PBX', 'PORT'];
    return (
      `Port ${listen.port} (${what}) is already in use: is another "npm run demo" running? Stop it, or start ` +
      `this one elsewhere: ${variable}=<free port> npm run demo (DATA_DIR=<folder> for a second, separate PBX).`
    );
  }
  return error;
}

demo().catch((error: unknown) => {
  console.error(describeFailure(error));
  process.exit(1);
});
