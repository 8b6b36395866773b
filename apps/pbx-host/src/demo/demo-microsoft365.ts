import {
  DEFAULT_SEED_PERMISSIONS,
  M365Emulator,
  MAILBOX_SEED_PERMISSIONS,
  type SeedResult,
} from '@pbx/m365-emulator';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** The emulated Microsoft 365 tenant of the demo: the same seed gives the same tenant after every restart. */
const DEMO_SEED = 42;

export interface DemoMicrosoft365 {
  emulator: M365Emulator;
  seeded: SeedResult & { clientId: string };
  /** The emulator's CA certificate, for `curl --cacert` and browsers. */
  caPath: string;
}

/** Starts the emulator on a fixed port, with its CA kept in the data folder, and seeds the demo directory. */
export async function startDemoMicrosoft365(
  dataDir: string,
  port: number,
  redirectUri: string,
): Promise<DemoMicrosoft365> {
  const stateDir = join(dataDir, 'm365-emulator');
  mkdirSync(stateDir, { recursive: true });
  const emulator = await M365Emulator.start({ port, stateDir, seed: DEMO_SEED });
  const seeded = await emulator.control.seed({
    users: 300,
    departments: 6,
    groupDepth: 2,
    photos: 0.6,
    guests: 0.03,
    disabled: 0.02,
    withoutNames: 0.02,
    seed: DEMO_SEED,
    contactsPerUser: 15,
    sharedMailboxes: 1,
    eventsPerUser: 4,
    app: {
      permissions: [...DEFAULT_SEED_PERMISSIONS, ...MAILBOX_SEED_PERMISSIONS],
      redirectUris: [redirectUri],
    },
  });
  if (!seeded.clientId) throw new Error('The emulator registered no app');
  return { emulator, seeded: { ...seeded, clientId: seeded.clientId }, caPath: join(stateDir, 'ca.pem') };
}

export class DemoCallError extends Error {
  constructor(
    method: string,
    path: string,
    readonly status: number,
    body: string,
  ) {
    super(`${method} ${path} answered ${status}: ${body}`);
    this.name = 'DemoCallError';
  }
}

/** The demo talks to its own PBX over HTTP, exactly as an admin's browser would. */
export class DemoAdminClient {
  constructor(
    private readonly baseUrl: string,
    private token = '',
  ) {}

  async login(username: string, password: string, sipDomain: string): Promise<void> {
    const body = await this.call<{ token: string }>('POST', '/api/auth/login', {
      username,
      password,
      sipDomain,
    });
    this.token = body.token;
  }

  get bearer(): string {
    return this.token;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new DemoCallError(method, path, response.status, text);
    const type = response.headers.get('content-type') ?? '';
    return (type.includes('json') ? JSON.parse(text) : text) as T;
  }
}

interface RunView {
  id: string;
  status: string;
  counts: Record<string, number>;
  progress: { usersRead: number; usersProcessed: number };
  error: { message: string; action?: string } | null;
}

/**
 * What the admin does the first time: ids, key pair, upload, consent, connection test, first sync. The settings
 * (ids, feature switches, sync and sign-in rules, contact schedule) are the demo's on the first start only: after
 * that they are the admin's, and a restart only uploads the certificate again and syncs.
 */
export async function connectDemoTenant(
  admin: DemoAdminClient,
  pbxTenantId: string,
  m365: DemoMicrosoft365,
  print: (line: string) => void,
): Promise<{ configured: boolean }> {
  const base = `/api/microsoft365/tenants/${pbxTenantId}`;
  const before = await admin.call<{ applicationId: string | null }>('GET', `${base}/settings`);
  const configured = before.applicationId === null;
  if (configured) {
    await admin.call('PATCH', `${base}/settings`, {
      applicationId: m365.seeded.clientId,
      directoryId: m365.seeded.tenantId,
      enabled: true,
      features: { userSync: true, singleSignOn: true, personalContacts: true, sharedMailboxes: true },
    });
  }
  const view = await admin.call<{ activeCertificate: { thumbprintSha256: string } | null }>(
    'GET',
    `${base}/settings`,
  );
  if (!view.activeCertificate) {
    await admin.call('POST', `${base}/certificates`);
    print('  Generated a key pair; public_key.pem "uploaded" to the emulated Entra app.');
  }
  // The emulator keeps its app registration in memory: upload the PBX's certificate again on every start.
  const pem = await admin.call<string>('GET', `${base}/certificates/active/public_key.pem`);
  m365.emulator.control.addCertificate({ tenant: m365.seeded.tenantId, clientId: m365.seeded.clientId, pem });

  const report = await admin.call<{ ok: boolean; grantedPermissions: string[] }>(
    'POST',
    `${base}/connection-test`,
  );
  print(
    `  Connection test: ${report.ok ? 'OK' : 'problems'}; granted ${report.grantedPermissions.join(', ')}`,
  );

  if (configured) {
    await admin.call('PATCH', `${base}/user-sync/settings`, { syncPhotos: true, scheduleEnabled: true });
    await admin.call('PATCH', `${base}/sso`, { users: { enabled: true } });
    // Contacts: every synced user's folders, and the shared mailbox as the company directory, after each user sync.
    await admin.call('PATCH', `${base}/contact-sync/settings`, {
      sharedMailboxes: m365.seeded.sharedMailboxUserPrincipalNames,
      schedule: 'AFTER_USER_SYNC',
    });
  }

  // A restart reads only what changed since the last run (the first start is a full run anyway); an admin's
  // plain "sync now" would read every user again.
  const users = await runWithProgress(
    admin,
    `${base}/user-sync`,
    'Syncing users   ',
    m365.seeded.userCount,
    print,
    { mode: 'incremental' },
  );
  if (users) {
    await runWithProgress(admin, `${base}/contact-sync`, 'Syncing contacts', m365.seeded.userCount, print);
  }
  return { configured };
}

/** Starts a run and draws its progress until it ends; false when it failed. */
async function runWithProgress(
  admin: DemoAdminClient,
  feature: string,
  label: string,
  total: number,
  print: (line: string) => void,
  body: Record<string, unknown> = {},
): Promise<boolean> {
  const started = await startOrFollow(admin, feature, body);
  let run = started;
  while (run.status === 'RUNNING') {
    await new Promise((resolve) => setTimeout(resolve, 200));
    run = await admin.call<RunView>('GET', `${feature}/runs/${started.id}`);
    // User sync counts users as it reads their pages; contact sync knows its mailboxes first, then works through them.
    const contacts = feature.endsWith('/contact-sync');
    const of = contacts && run.progress.usersRead > 0 ? run.progress.usersRead : total;
    printProgress(label, Math.min(contacts ? run.progress.usersProcessed : run.progress.usersRead, of), of);
  }
  process.stdout.write('\n');
  if (run.error) {
    print(`  ${label.trim()} failed: ${run.error.message}. ${run.error.action ?? ''}`);
    return false;
  }
  const counts = Object.entries(run.counts)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
  print(`  ${label.trim()}: ${run.status.toLowerCase()}; ${counts || 'nothing to change'}`);
  return true;
}

/**
 * Starts a run, or follows the one already going: the contact sync is scheduled after each user sync that changed
 * users, so the demo's user sync may have started one by the time the demo asks for it.
 */
async function startOrFollow(
  admin: DemoAdminClient,
  feature: string,
  body: Record<string, unknown>,
): Promise<RunView> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.call<RunView>('POST', `${feature}/runs`, body);
    } catch (error) {
      if (!(error instanceof DemoCallError) || error.status !== 409 || attempt >= 20) throw error;
    }
    const running = (await admin.call<RunView[]>('GET', `${feature}/runs?limit=1`)).find(
      (run) => run.status === 'RUNNING',
    );
    if (running) return running;
    // It ended between the two calls: ask again.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function printProgress(label: string, done: number, total: number): void {
  const width = 30;
  const filled = Math.min(width, Math.round((done / Math.max(total, 1)) * width));
  process.stdout.write(`\r  ${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}`);
}
