/**
 * Contact-sync benchmark (issue 6): a full and an idle incremental contact run against the Microsoft 365 emulator
 * (a child process, see support/emulator.process.ts) with 100 ms of injected latency per request, on a real
 * PostgreSQL.
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
 */
import { type MikroORM } from '@mikro-orm/postgresql';
import { MAILBOX_CONCURRENCY } from '@pbx/microsoft365/contact-sync/contact-sync-mailbox.processor';
import {
  MAILBOXES_IN_PARALLEL,
  REQUESTS_IN_PARALLEL,
} from '@pbx/microsoft365/contact-sync/contact-sync.runner';
import { createTestApp, type TenantWithAdmin, type TestApp } from '@pbx/test/support/create-test-app';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createMonitor,
  EMULATOR_PROCESS_NOTE,
  environment,
  envInt,
  loadNow,
  log,
  mb,
  type MemoryFigures,
  MemorySampler,
  startDatabase,
  type StatementCounts,
  StatementCounter,
  summarizeRoutes,
  totalsByRoute,
  waitForRun,
} from './support/bench.measurement';
import {
  connectTenant,
  type EmulatorProcess,
  forEachLimited,
  startEmulatorProcess,
} from './support/emulator.process';

const RESULTS_DIR = join(__dirname, 'results');
const RESULTS_FILE = join(RESULTS_DIR, 'contact-sync.json');
const PERMISSIONS = ['User.Read.All', 'Contacts.Read'];
/** Control calls in flight while building the mailboxes. */
const CONTROL_CONCURRENCY = 32;

interface RunBody {
  id: string;
  status: string;
  mode: string;
  modeReason: string | null;
  startedAt: string;
  finishedAt: string | null;
  counts: Record<string, number>;
  progress: Record<string, number>;
  graph: { requests: number; retries: number; throttled: number; waitedMs: number };
  issues: { severity: string; code: string; message: string }[];
  error: { code: string; message: string; action?: string } | null;
}

interface ScenarioResult {
  scenario: string;
  mailboxes: number;
  status: string;
  mode: string;
  modeReason: string | null;
  wallMs: number;
  runDurationMs: number | null;
  loadAverage: { atStart: number; atEnd: number };
  graph: {
    /** Requests the emulator answered on Graph routes (token requests counted apart). */
    requests: number;
    batchCalls: number;
    tokenRequests: number;
    throttled: number;
    /** Requests per route template, all statuses together. */
    byRoute: Record<string, number>;
    /** Graph requests divided by the folders of all mailboxes. */
    requestsPerFolder: number;
    reportedByRun: RunBody['graph'];
  };
  counts: Record<string, number>;
  issues: { total: number; byCode: Record<string, number> };
  error: RunBody['error'];
  database: StatementCounts;
  memory: MemoryFigures;
}

interface Target {
  target: string;
  limit: string;
  measured: number | string;
  met: boolean;
}

const mailboxCount = envInt('BENCH_CONTACT_USERS', 1000);
const contactsPerUser = envInt('BENCH_CONTACTS_PER_USER', 200);
const latencyMs = envInt('BENCH_LATENCY_MS', 100);
const layout = process.env.BENCH_CONTACT_LAYOUT ?? 'three-folders';
if (layout !== 'three-folders' && layout !== 'seeded')
  throw new Error(`BENCH_CONTACT_LAYOUT must be three-folders or seeded, got ${layout}`);
/** Folders per mailbox: the issue's three, or the six the emulator's seeder creates. */
const FOLDERS = layout === 'three-folders' ? 3 : 6;
/** The largest folder's share of a mailbox's contacts (for the delta pages per folder). */
const LARGEST_FOLDER_SHARE = layout === 'three-folders' ? 5 / 10 : 4 / 10;

// ---- harness -----------------------------------------------------------------------------------------------------

interface Harness {
  t: TestApp;
  emulator: EmulatorProcess;
  statements: StatementCounter;
  monitor: MikroORM;
  pbx: TenantWithAdmin;
  base: string;
  /** The PBX process after boot and a GC, before anything was seeded or synced. */
  bootRssMb: number;
  close(): Promise<void>;
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

async function startHarness(): Promise<Harness> {
  const emulator = await startEmulatorProcess();
  let t: TestApp | undefined;
  let monitor: MikroORM | undefined;
  try {
    t = await createTestApp({ microsoft365: emulator.moduleOptions });
    const statements = new StatementCounter(t.orm);
    monitor = await createMonitor(t.orm);
    global.gc?.();
    const bootRssMb = mb(process.memoryUsage().rss);
    const started = Date.now();
    await emulator.control('setFaults', { latency: { fixedMs: 0, jitterMs: 0 } });
    const seeded = await emulator.control('seed', {
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
      const calls = await buildThreeFolderMailboxes(emulator, seeded.tenantId);
      log(
        `built ${mailboxCount} mailboxes with 3 folders (${calls} control calls) in ${Date.now() - started} ms`,
      );
    }
    const pbx = await t.createTenantWithAdmin();
    const base = await connectTenant(
      t,
      emulator,
      { tenantId: seeded.tenantId, clientId: seeded.clientId ?? '' },
      pbx,
      {
        permissions: PERMISSIONS,
        settings: { features: { personalContacts: true, sharedMailboxes: false } },
      },
    );
    await t
      .as(pbx.adminToken)
      .patch(`${base}/user-sync/settings`)
      .send({ syncPhotos: false, extensionStart: '100000' })
      .expect(200);
    const userRun = (await t.as(pbx.adminToken).post(`${base}/user-sync/runs`).send({}).expect(202))
      .body as RunBody;
    await waitForRun(monitor, userRun.id);
    const users = (await t.as(pbx.adminToken).get(`${base}/user-sync/runs/${userRun.id}`).expect(200))
      .body as RunBody;
    if (users.status !== 'SUCCEEDED')
      throw new Error(`user sync ${users.status}: ${JSON.stringify(users.error)}`);
    await emulator.control('setFaults', { latency: { fixedMs: latencyMs, jitterMs: 0 } });
    log(
      `seeded ${mailboxCount} users x ${contactsPerUser} contacts in ${FOLDERS} folders, synced users in ` +
        `${Date.now() - started} ms`,
    );
    const app = t;
    const orm = monitor;
    return {
      t,
      emulator,
      statements,
      monitor,
      pbx,
      base,
      bootRssMb,
      close: async () => {
        await orm.close(true);
        await app.close();
        await emulator.close();
      },
    };
  } catch (error) {
    await monitor?.close(true);
    await t?.close();
    await emulator.close();
    throw error;
  }
}

async function measure(h: Harness, scenario: string): Promise<ScenarioResult> {
  global.gc?.();
  log(`${scenario} (${mailboxCount} mailboxes) ...`);
  await h.emulator.control('resetCounters', {});
  const loadAtStart = loadNow();
  const memory = new MemorySampler(h.emulator);
  h.statements.start();
  const started = Date.now();
  const response = await h.t.as(h.pbx.adminToken).post(`${h.base}/contact-sync/runs`).send({}).expect(202);
  const runId = (response.body as RunBody).id;
  await waitForRun(h.monitor, runId);
  const wallMs = Date.now() - started;
  const database = h.statements.stop();
  const memoryFigures = memory.stop();
  const counters = await h.emulator.counters();
  const run = (await h.t.as(h.pbx.adminToken).get(`${h.base}/contact-sync/runs/${runId}`).expect(200))
    .body as RunBody;
  const byCode: Record<string, number> = {};
  for (const issue of run.issues ?? []) byCode[issue.code] = (byCode[issue.code] ?? 0) + 1;
  const byRoute = totalsByRoute(counters.byRoute);
  const graphRoutes = Object.fromEntries(
    Object.entries(counters.byRoute).filter(([route]) => !route.includes('/_emulator/')),
  );
  const summary = summarizeRoutes(graphRoutes);
  const result: ScenarioResult = {
    scenario,
    mailboxes: mailboxCount,
    status: run.status,
    mode: run.mode,
    modeReason: run.modeReason,
    wallMs,
    runDurationMs: run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : null,
    loadAverage: { atStart: loadAtStart, atEnd: loadNow() },
    graph: {
      ...summary,
      byRoute,
      requestsPerFolder: Math.round((summary.requests / (mailboxCount * FOLDERS)) * 100) / 100,
      reportedByRun: run.graph,
    },
    counts: run.counts,
    issues: { total: run.issues?.length ?? 0, byCode },
    error: run.error,
    database,
    memory: memoryFigures,
  };
  log(
    `${scenario}: ${run.status} ${run.mode} in ${wallMs} ms, ${result.graph.requests} Graph requests ` +
      `(${result.graph.requestsPerFolder} per folder), ${database.statements} statements, peak RSS PBX ` +
      `${memoryFigures.pbx.peakRssMb} MB, emulator ${memoryFigures.emulator.peakRssMb} MB`,
  );
  return result;
}

const FOLDER_DELTA_ROUTE = 'GET /v1.0/users/{id}/contactFolders/delta';
const CONTACT_DELTA_ROUTES = [
  'GET /v1.0/users/{id}/contacts/delta',
  'GET /v1.0/users/{id}/contactFolders/{folderId}/contacts/delta',
];

/**
 * The floor the concurrency limits put on a full run at the injected latency: a mailbox needs its folder listing,
 * then its folders' delta pages at most MAILBOX_CONCURRENCY at a time, MAILBOXES_IN_PARALLEL mailboxes at once,
 * and at most REQUESTS_IN_PARALLEL requests in flight per run.
 */
function fullRunFloorMs(requests: number): { floorMs: number; perMailboxMs: number; perRunMs: number } {
  const pagesPerFolder = Math.max(1, Math.ceil((contactsPerUser * LARGEST_FOLDER_SHARE) / 200));
  const perMailboxPath = 1 + Math.ceil((FOLDERS * pagesPerFolder) / MAILBOX_CONCURRENCY);
  const perMailboxMs = Math.ceil(mailboxCount / MAILBOXES_IN_PARALLEL) * perMailboxPath * latencyMs;
  const perRunMs = Math.ceil(requests / REQUESTS_IN_PARALLEL) * latencyMs;
  return { floorMs: Math.max(perMailboxMs, perRunMs), perMailboxMs, perRunMs };
}

function evaluate(results: ScenarioResult[]): Target[] {
  const targets: Target[] = [];
  const full = results.find((r) => r.scenario === 'full');
  const idle = results.find((r) => r.scenario === 'incremental-no-change');
  const folders = mailboxCount * FOLDERS;
  if (full) {
    const { floorMs } = fullRunFloorMs(full.graph.requests);
    targets.push({
      target:
        'Full run: wall time within 1.5x the floor set by the concurrency limits at the injected latency',
      limit: `<= ${Math.round(floorMs * 1.5)} ms (floor ${floorMs} ms)`,
      measured: full.wallMs,
      met: full.status === 'SUCCEEDED' && full.wallMs <= floorMs * 1.5,
    });
    targets.push({
      target: 'Full run: no request refused by Outlook (429 MailboxConcurrency or quota)',
      limit: '= 0',
      measured: full.graph.throttled,
      met: full.graph.throttled === 0,
    });
  }
  if (idle) {
    const contactDeltas = CONTACT_DELTA_ROUTES.reduce(
      (sum, route) => sum + (idle.graph.byRoute[route] ?? 0),
      0,
    );
    targets.push({
      target: 'Idle incremental run: one contacts/delta request per folder',
      limit: `= ${folders} (${mailboxCount} mailboxes x ${FOLDERS} folders)`,
      measured: contactDeltas,
      met: idle.status === 'SUCCEEDED' && contactDeltas === folders,
    });
    targets.push({
      target:
        // Reached only with contactFolders/delta, which the sync does not use: 21Vianet does not offer it and its
        // depth (nested folders or not) is not documented, so the folder tree is listed on every run.
        'Idle incremental run: all Graph requests (the folder tree is listed; contactFolders/delta would make it one request per mailbox)',
      limit: `= ${mailboxCount + folders}`,
      measured: idle.graph.requests,
      met:
        idle.status === 'SUCCEEDED' &&
        idle.graph.requests === mailboxCount + folders &&
        (idle.graph.byRoute[FOLDER_DELTA_ROUTE] ?? 0) === mailboxCount,
    });
    targets.push({
      target: 'Idle incremental run: database writes (besides the run history row)',
      limit: '= 0',
      measured: idle.database.directoryWrites,
      met: idle.status === 'SUCCEEDED' && idle.database.directoryWrites === 0,
    });
  }
  return targets;
}

// ---- main ----------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const stopDatabase = await startDatabase();
  const scenarios: ScenarioResult[] = [];
  let baselineRssMb = 0;
  let emulatorBaselineRssMb = 0;
  let bootRssMb = 0;
  try {
    const h = await startHarness();
    bootRssMb = h.bootRssMb;
    try {
      global.gc?.();
      baselineRssMb = mb(process.memoryUsage().rss);
      emulatorBaselineRssMb = h.emulator.memory().rssMb;
      scenarios.push(await measure(h, 'full'));
      scenarios.push(await measure(h, 'incremental-no-change'));
    } finally {
      await h.close();
    }
  } finally {
    await stopDatabase();
  }
  const full = scenarios.find((s) => s.scenario === 'full');
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
      limits: { MAILBOX_CONCURRENCY, MAILBOXES_IN_PARALLEL, REQUESTS_IN_PARALLEL },
    },
    notes: [
      layout === 'three-folders'
        ? 'Three folders per mailbox as the issue asks: the default Contacts folder (1/2 of the contacts), ' +
          'Customers (3/10) and Customers/Key Accounts (1/5), built through the emulator control API because its ' +
          'seeder has a fixed six-folder layout.'
        : 'The emulator seeder layout: six folders (default 40%, Customers 20%, Customers/Key Accounts 10%, ' +
          'Customers/Key Accounts/Archive 10%, Suppliers 10%, Family 10%), two of them nested.',
      EMULATOR_PROCESS_NOTE,
      'bootRssMb is the PBX process after boot and a GC, before anything was seeded or synced (ts-node and the ' +
        'Nest app); baselineRssMb the same after the user sync, before the first contact run; ' +
        'emulatorBaselineRssMb the emulator child holding the built mailboxes at that moment.',
      'The users are linked by an unmeasured user sync without latency first; the contact runs then see the ' +
        'injected latency on every request.',
      'graph.requests counts the requests the emulator answered on Graph routes during the run; token requests ' +
        'are counted apart. graph.requestsPerFolder = requests / (mailboxes x folders). ' +
        'database.directoryWrites excludes writes to the run history row (m365_sync_runs).',
      'The full-run floor: max(ceil(mailboxes / MAILBOXES_IN_PARALLEL) x (1 folder listing + ceil(folders x ' +
        'pages / MAILBOX_CONCURRENCY)) x latency, ceil(requests / REQUESTS_IN_PARALLEL) x latency).',
      'loadAverage is os.loadavg()[0] around each scenario: on a busy machine wall times are pessimistic.',
    ],
    bootRssMb,
    baselineRssMb,
    emulatorBaselineRssMb,
    fullRunFloor: full ? fullRunFloorMs(full.graph.requests) : null,
    scenarios,
    targets: evaluate(scenarios),
  };
  const json = JSON.stringify({ ...report, allTargetsMet: report.targets.every((t) => t.met) }, null, 2);
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
