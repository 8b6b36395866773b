/**
 * Contact-sync benchmark (issues 6 and 20): a full and an idle incremental contact run of the compiled host process
 * (support/compiled-host.ts) against the Microsoft 365 emulator child with 100 ms of injected latency per request,
 * on a real PostgreSQL; each figure beside its floor measured in the same run.
 *
 *   npm run bench                          # user sync, then this (BENCH_ONLY=contacts for this one only)
 *   BENCH_CONTACT_USERS=1000               # mailboxes (synced users), default 1000
 *   BENCH_CONTACTS_PER_USER=200            # contacts per mailbox, default 200
 *   BENCH_CONTACT_LAYOUT=three-folders     # default: the issue's 3 folders per mailbox; `seeded` = the emulator's
 *                                          # own 6-folder layout (faster to set up)
 *   BENCH_LATENCY_MS=100                   # injected latency per emulator request (default 100)
 *
 * The issue asks for 3 folders per mailbox. The emulator's seeder always spreads its contacts over six folders
 * (default 4/10, Customers 2/10 with Key Accounts 1/10 and Key Accounts/Archive 1/10 below it, Suppliers 1/10,
 * Family 1/10) and has no option for another layout, so for `three-folders` the bench seeds the users without
 * contacts and builds each mailbox through the control API (addContactFolder, addContact): the default Contacts
 * folder (1/2 of the contacts), Customers (3/10) and Customers/Key Accounts (1/5), one of them nested, as the
 * issue's complaints about missed sub-folders ask. With 200 contacts each folder holds at most 100, one delta page.
 *
 * The users are linked by a user sync first (without latency; not measured). Prints the JSON and writes it to
 * bench/results/contact-sync.json; each target of the issue is marked met or not met.
 *
 * The floor of the full run does not depend on the module's own limits: each mailbox needs one request for its
 * folders, then its folders' delta pages at most 4 at a time (Outlook's concurrent-requests-per-mailbox limit,
 * https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits); mailboxes are independent, so
 * that chain × the latency is the reading floor; the writing floor is one set-based insert of every contact into a
 * scratch copy of m365_contact_items on the same database. The floor is the larger of the two (they can overlap).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { environment, envInt, log } from './support/bench.measurement';
import { startBenchDatabase } from './support/bench.database';
import { connectTenant, type EmulatorProcess, forEachLimited } from './support/emulator.process';
import { type BulkWriteFloor, measureBulkWrite, ratio, type TargetResult } from './support/floors';
import { type Harness, type MeasuredRun, measureRun, startHarness } from './support/host-harness';

const RESULTS_DIR = join(__dirname, 'results');
const RESULTS_FILE = join(RESULTS_DIR, 'contact-sync.json');
const PERMISSIONS = ['User.Read.All', 'Contacts.Read'];
/** Control calls in flight while building the mailboxes. */
const CONTROL_CONCURRENCY = 32;

const mailboxCount = envInt('BENCH_CONTACT_USERS', 1000);
const contactsPerUser = envInt('BENCH_CONTACTS_PER_USER', 200);
const latencyMs = envInt('BENCH_LATENCY_MS', 100);
const layout = process.env.BENCH_CONTACT_LAYOUT ?? 'three-folders';
if (layout !== 'three-folders' && layout !== 'seeded')
  throw new Error(`BENCH_CONTACT_LAYOUT must be three-folders or seeded, got ${layout}`);
/** Folders per mailbox: the three, or the six the emulator's seeder creates. */
const FOLDERS = layout === 'three-folders' ? 3 : 6;
/** The largest folder's share of a mailbox's contacts (for the delta pages per folder). */
const LARGEST_FOLDER_SHARE = layout === 'three-folders' ? 5 / 10 : 4 / 10;

// ---- harness -----------------------------------------------------------------------------------------------------

interface Connected {
  base: string;
  adminToken: string;
}

/** The contact of a mailbox, in the shape the seeder gives its own (names, company, phones, an address). */
function contactFor(mailbox: number, index: number, folder: number) {
  const given = `Given${index}`;
  const surname = `Surname${mailbox}`;
  return {
    displayName: `${given} ${surname}`,
    givenName: given,
    surname,
    companyName: folder === 0 ? null : `Company ${index % 17}`,
    jobTitle: folder === 0 ? null : 'Buyer',
    businessPhones: [`+49 30 ${String(200000 + index)}`],
    mobilePhone: `+49 171 ${String(mailbox % 1000).padStart(3, '0')}${String(index).padStart(4, '0')}`,
    emailAddresses: [
      { name: `${given} ${surname}`, address: `given${index}.surname${mailbox}@fabrikam.test` },
    ],
  };
}

/**
 * Builds every mailbox as the issue describes it: the default folder, Customers and Customers/Key Accounts, the
 * contacts spread 5:3:2 over them. Ten slots per ten contacts: 5 default, 3 Customers, 2 Key Accounts.
 */
async function buildThreeFolderMailboxes(emulator: EmulatorProcess, tenantId: string): Promise<number> {
  const users = await emulator.control('listUsers', { tenant: tenantId });
  const slots = [0, 1, 0, 2, 0, 1, 0, 2, 0, 1];
  let calls = 0;
  await forEachLimited(users, Math.ceil(CONTROL_CONCURRENCY / 4), async (user, mailbox) => {
    const customers = await emulator.control('addContactFolder', {
      tenant: tenantId,
      user: user.id,
      displayName: 'Customers',
    });
    const keyAccounts = await emulator.control('addContactFolder', {
      tenant: tenantId,
      user: user.id,
      displayName: 'Key Accounts',
      parentFolderId: customers.id,
    });
    const folderIds = [undefined, customers.id, keyAccounts.id];
    const indexes = Array.from({ length: contactsPerUser }, (_, index) => index);
    await forEachLimited(indexes, 4, async (index) => {
      const folder = slots[index % slots.length] ?? 0;
      await emulator.control('addContact', {
        tenant: tenantId,
        user: user.id,
        folderId: folderIds[folder],
        contact: contactFor(mailbox, index, folder),
      });
    });
    calls += 2 + contactsPerUser;
  });
  return calls;
}

/** Seeds the mailboxes, connects a PBX tenant and links the users with a user sync (without latency, not measured). */
async function setUp(h: Harness): Promise<Connected> {
  const started = Date.now();
  await h.emulator.control('setFaults', { latency: { fixedMs: 0, jitterMs: 0 } });
  const seeded = await h.emulator.control('seed', {
    seed: 'bench-contacts',
    tenantId: randomUUID(),
    domain: 'benchcontacts.onmicrosoft.com',
    users: mailboxCount,
    departments: 0,
    groupDepth: 0,
    photos: 0,
    guests: 0,
    contactsPerUser: layout === 'seeded' ? contactsPerUser : 0,
    app: { permissions: PERMISSIONS },
  });
  if (layout === 'three-folders') {
    const calls = await buildThreeFolderMailboxes(h.emulator, seeded.tenantId);
    log(
      `built ${mailboxCount} mailboxes with 3 folders (${calls} control calls) in ${Date.now() - started} ms`,
    );
  }
  const pbx = await h.host.createTenantWithAdmin();
  const base = await connectTenant(
    h.host.admin,
    h.emulator,
    { tenantId: seeded.tenantId, clientId: seeded.clientId ?? '' },
    pbx,
    {
      permissions: PERMISSIONS,
      settings: { features: { personalContacts: true, sharedMailboxes: false } },
    },
  );
  await h.host.admin
    .as(pbx.adminToken)
    .patch(`${base}/user-sync/settings`)
    .send({ syncPhotos: false, extensionStart: '100000' })
    .expect(200);
  const connected = { base, adminToken: pbx.adminToken };
  const users = await measureRun(h, connected, 'user-sync', 'user sync (set-up)');
  if (users.status !== 'SUCCEEDED')
    throw new Error(`user sync ${users.status}: ${JSON.stringify(users.error)}`);
  await h.emulator.control('setFaults', { latency: { fixedMs: latencyMs, jitterMs: 0 } });
  log(
    `seeded ${mailboxCount} users x ${contactsPerUser} contacts in ${FOLDERS} folders, synced users in ` +
      `${Date.now() - started} ms`,
  );
  return connected;
}

const CONTACT_DELTA_ROUTES = [
  'GET /v1.0/users/{id}/contacts/delta',
  'GET /v1.0/users/{id}/contactFolders/{folderId}/contacts/delta',
];

/** Outlook's limit of concurrent requests per app and mailbox (the emulator enforces it). */
const OUTLOOK_CONCURRENT_PER_MAILBOX = 4;
/** Contacts per delta page (Prefer: odata.maxpagesize, the module's and the emulator's default). */
const CONTACTS_PER_PAGE = 200;

interface FullRunFloor {
  /** (1 folder listing + ceil(folders x pages / 4)) x latency: one mailbox's chain, mailboxes in parallel. */
  readingMs: number;
  /** One set-based insert of every contact into a scratch copy of m365_contact_items. */
  writing: BulkWriteFloor;
  floorMs: number;
  basis: string;
}

function fullRunFloor(writing: BulkWriteFloor): FullRunFloor {
  const pagesPerFolder = Math.max(1, Math.ceil((contactsPerUser * LARGEST_FOLDER_SHARE) / CONTACTS_PER_PAGE));
  const chain = 1 + Math.ceil((FOLDERS * pagesPerFolder) / OUTLOOK_CONCURRENT_PER_MAILBOX);
  const readingMs = chain * latencyMs;
  return {
    readingMs,
    writing,
    floorMs: Math.max(readingMs, writing.ms),
    basis:
      `max(reading: ${chain} round trips per mailbox (1 folder listing + ${FOLDERS} folders x ${pagesPerFolder} ` +
      `page(s), 4 at a time) x ${latencyMs} ms; writing: ${writing.rows} contacts in one statement, ${writing.ms} ms)`,
  };
}

const contactDeltas = (run: MeasuredRun) =>
  Object.entries(run.graph.byRoute)
    .filter(([route]) => CONTACT_DELTA_ROUTES.includes(route))
    .reduce((sum, [, statuses]) => sum + Object.values(statuses).reduce((a, b) => a + b, 0), 0);

function evaluate(results: MeasuredRun[], floor: FullRunFloor): TargetResult[] {
  const targets: TargetResult[] = [];
  const full = results.find((r) => r.scenario === 'full');
  const idle = results.find((r) => r.scenario === 'incremental-no-change');
  const folders = mailboxCount * FOLDERS;
  if (full) {
    targets.push({
      target: `Full run (${mailboxCount} mailboxes x ${contactsPerUser} contacts): wall time`,
      limit: '<= 20000 ms',
      figure: full.wallMs,
      floor: floor.floorMs,
      ratio: ratio(full.wallMs, floor.floorMs),
      met: full.status === 'SUCCEEDED' && full.wallMs <= 20_000,
    });
    targets.push({
      target: 'Full run: no request refused by Outlook (429 MailboxConcurrency or quota)',
      limit: '= 0',
      figure: full.graph.throttled,
      floor: 0,
      ratio: null,
      met: full.graph.throttled === 0,
    });
  }
  if (idle) {
    const deltas = contactDeltas(idle);
    targets.push({
      target: 'Idle incremental run: one contacts/delta request per folder',
      limit: `= ${folders} (${mailboxCount} mailboxes x ${FOLDERS} folders)`,
      figure: deltas,
      floor: folders,
      ratio: ratio(deltas, folders),
      met: idle.status === 'SUCCEEDED' && deltas === folders,
    });
    targets.push({
      target: 'Idle incremental run: all Graph requests',
      limit: `<= 1 per folder + 1 per mailbox = ${folders + mailboxCount}`,
      figure: idle.graph.requests,
      floor: folders,
      ratio: ratio(idle.graph.requests, folders),
      met: idle.status === 'SUCCEEDED' && idle.graph.requests <= folders + mailboxCount,
    });
    targets.push({
      target: 'Idle incremental run: rows written besides the run history row',
      limit: '= 0',
      figure: idle.database.rowsWritten.directory,
      floor: 0,
      ratio: null,
      met: idle.status === 'SUCCEEDED' && idle.database.rowsWritten.directory === 0,
    });
  }
  return targets;
}

// ---- main ----------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const db = await startBenchDatabase();
  const scenarios: MeasuredRun[] = [];
  let floor: FullRunFloor | undefined;
  let hostBootRssMb = 0;
  try {
    const h = await startHarness(db);
    hostBootRssMb = h.bootRssMb;
    try {
      const connected = await setUp(h);
      floor = fullRunFloor(
        await measureBulkWrite(db.monitor, 'm365_contact_items', mailboxCount * contactsPerUser),
      );
      log(`floor of the full run: ${floor.floorMs} ms (${floor.basis})`);
      scenarios.push(await measureRun(h, connected, 'contact-sync', 'full'));
      scenarios.push(await measureRun(h, connected, 'contact-sync', 'incremental-no-change'));
    } finally {
      await h.close();
    }
  } finally {
    await db.stop();
  }
  if (!floor) throw new Error('the floor was not measured');
  const targets = evaluate(scenarios, floor);
  const report = {
    benchmark: 'contact-sync',
    generatedAt: new Date().toISOString(),
    command: 'BENCH_ONLY=contacts npm run bench',
    environment: environment(),
    config: {
      mailboxes: mailboxCount,
      contactsPerUser,
      layout,
      foldersPerMailbox: FOLDERS,
      injectedLatencyMs: latencyMs,
    },
    notes: [
      layout === 'three-folders'
        ? 'Three folders per mailbox as the issue asks: the default Contacts folder (1/2 of the contacts), ' +
          'Customers (3/10) and Customers/Key Accounts (1/5), built through the emulator control API because its ' +
          'seeder has a fixed six-folder layout.'
        : 'The emulator seeder layout: six folders (default 40%, Customers 20%, Customers/Key Accounts 10%, ' +
          'Customers/Key Accounts/Archive 10%, Suppliers 10%, Family 10%), two of them nested.',
      'The host is the compiled build in a process of its own, driven over HTTP; host.* figures are that process ' +
        'alone (see user-sync.json for how memory, CPU, statements and rows written are read).',
      'The users are linked by an unmeasured user sync without latency first; the contact runs then see the ' +
        'injected latency on every request.',
      'graph.requests counts the requests the emulator answered on Graph routes during the run; token requests ' +
        'are counted apart. requestsPerFolder = requests / (mailboxes x folders).',
      `fullRunFloor: ${floor.basis}.`,
      'loadAverage is os.loadavg()[0] around each scenario: on a busy machine wall times are pessimistic.',
    ],
    hostBootRssMb,
    fullRunFloor: floor,
    scenarios: scenarios.map((run) => ({
      ...run,
      requestsPerFolder: Math.round((run.graph.requests / (mailboxCount * FOLDERS)) * 100) / 100,
    })),
    targets,
    allTargetsMet: targets.every((target) => target.met),
  };
  const json = JSON.stringify(report, null, 2);
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(RESULTS_FILE, `${json}\n`);
  console.log(json);
  log(`written to ${RESULTS_FILE}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
