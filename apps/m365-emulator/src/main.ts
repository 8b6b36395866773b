import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createClientCertificate,
  DEFAULT_SEED_PERMISSIONS,
  M365Emulator,
  MAILBOX_SEED_PERMISSIONS,
} from '@pbx/m365-emulator';

const USAGE = `Usage: npm run emulator -- [options]
  --port <n>            HTTPS port on 127.0.0.1 (default 8443; 0 = any free port)
  --users <n>           seeded users (default 200)
  --contacts <n>        contacts per mailbox across nested contact folders (default 20; generated on first use)
  --shared-mailboxes <n> shared mailboxes (userPurpose "shared") with the same contacts (default 2)
  --events <n>          calendar events per mailbox around the start time (default 6)
  --latency <ms>        fixed latency added to Entra/Graph requests (default 0); an Outlook request holds
                        its mailbox slot for it, so a 5th parallel request to one mailbox gets a 429
  --fault-5xx <rate>    probability 0..1 of a random 5xx (default 0)
  --fault-drop <rate>   probability 0..1 of a dropped connection (default 0)
  --seed <n>            seed for ids, names and faults (default 42)
  --state-dir <dir>     keeps the CA and the demo client certificate (default .data/m365-emulator)
  --redirect-uri <uri>  registered redirect URI for OIDC sign-in (repeatable)`;

function numberOption(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`--${name} must be a number`);
  return parsed;
}

/** The demo app's certificate is kept in the state dir so a configured PBX keeps working across restarts. */
async function loadOrCreateClientCertificate(
  stateDir: string,
): Promise<{ certificatePem: string; keyPath: string; certPath: string }> {
  const certPath = join(stateDir, 'client-cert.pem');
  const keyPath = join(stateDir, 'client-key.pem');
  if (existsSync(certPath) && existsSync(keyPath)) {
    const certificatePem = readFileSync(certPath, 'utf8');
    if (new Date(new X509Certificate(certificatePem).validTo).getTime() > Date.now())
      return { certificatePem, keyPath, certPath };
  }
  const certificate = await createClientCertificate({ subject: 'CN=pbx-m365-demo' });
  writeFileSync(certPath, certificate.certificatePem);
  writeFileSync(keyPath, certificate.privateKeyPem, { mode: 0o600 });
  return { certificatePem: certificate.certificatePem, keyPath, certPath };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      users: { type: 'string' },
      contacts: { type: 'string' },
      'shared-mailboxes': { type: 'string' },
      events: { type: 'string' },
      latency: { type: 'string' },
      'fault-5xx': { type: 'string' },
      'fault-drop': { type: 'string' },
      seed: { type: 'string' },
      'state-dir': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const seed = numberOption(values.seed, 42, 'seed');
  const stateDir = resolve(values['state-dir'] ?? '.data/m365-emulator');
  mkdirSync(stateDir, { recursive: true });
  const emulator = await M365Emulator.start({
    port: numberOption(values.port, 8443, 'port'),
    stateDir,
    seed,
    latencyMs: numberOption(values.latency, 0, 'latency'),
    faults: {
      errorRate: numberOption(values['fault-5xx'], 0, 'fault-5xx'),
      dropRate: numberOption(values['fault-drop'], 0, 'fault-drop'),
      seed,
    },
  });
  const seeded = await emulator.control.seed({
    users: numberOption(values.users, 200, 'users'),
    departments: 6,
    groupDepth: 2,
    photos: 0.6,
    guests: 0.05,
    disabled: 0.03,
    withoutNames: 0.02,
    seed,
    contactsPerUser: numberOption(values.contacts, 20, 'contacts'),
    sharedMailboxes: numberOption(values['shared-mailboxes'], 2, 'shared-mailboxes'),
    eventsPerUser: numberOption(values.events, 6, 'events'),
    app: {
      permissions: [...DEFAULT_SEED_PERMISSIONS, ...MAILBOX_SEED_PERMISSIONS],
      redirectUris: values['redirect-uri'] ?? ['https://localhost:3000/auth/microsoft/callback'],
    },
  });
  const clientId = seeded.clientId ?? '';
  const client = await loadOrCreateClientCertificate(stateDir);
  const uploaded = emulator.control.addCertificate({
    tenant: seeded.tenantId,
    clientId,
    pem: client.certificatePem,
  });

  console.log(`M365 emulator listening on ${emulator.baseUrl}`);
  console.log(`  Graph base URL      ${emulator.graphBaseUrl}`);
  console.log(
    `  Authority           ${emulator.authority(seeded.tenantId)}  (MSAL knownAuthorities: ['${emulator.authorityHost}'])`,
  );
  console.log(
    `  OIDC discovery      ${emulator.authority(seeded.tenantId)}/v2.0/.well-known/openid-configuration`,
  );
  console.log(`  Tenant id           ${seeded.tenantId} (${seeded.domain})`);
  console.log(
    `  Client id           ${clientId}  permissions: ${[...DEFAULT_SEED_PERMISSIONS, ...MAILBOX_SEED_PERMISSIONS].join(', ')}`,
  );
  console.log(`  Client certificate  ${client.certPath}`);
  console.log(`  Client private key  ${client.keyPath}`);
  console.log(`  Thumbprint SHA-256  ${uploaded.thumbprintSha256Hex}`);
  console.log(
    `  CA certificate      ${emulator.caPath ?? '(not persisted)'}  (or NODE_EXTRA_CA_CERTS=<path>)`,
  );
  console.log(
    `  Users               ${seeded.userCount} (password for all: ${seeded.password}), e.g. ${seeded.sampleUserPrincipalNames[0] ?? '-'}`,
  );
  console.log(`  Shared mailboxes    ${seeded.sharedMailboxUserPrincipalNames.join(', ') || '-'}`);
  console.log(
    `  Control API         ${emulator.baseUrl}/_emulator/{operation}  (counters: ${emulator.baseUrl}/_emulator/counters)`,
  );

  const shutdown = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  console.error(USAGE);
  process.exit(1);
});
