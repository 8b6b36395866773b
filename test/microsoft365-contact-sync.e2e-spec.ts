import { MAILBOX_SEED_PERMISSIONS } from '@pbx/m365-emulator';
import { PBX_CONTACTS, type PbxContactsPort } from '@pbx/microsoft365';
import { jobsWithKey, runWaitingJobNow, waitingJob } from '@pbx/test/support/jobs';
import { createAnotherInstance, type ContactBody, type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  type DirectoryScenario as Scenario,
  FAST_GRAPH_RETRIES,
  resetEmulatorFaults,
  startSyncTestApp,
  waitForRun,
} from '@pbx/test/support/directory-scenario';
import { type EmulatedMicrosoft365 } from '@pbx/test/support/microsoft365-test-env';

interface RunBody {
  id: string;
  kind: string;
  status: string;
  mode: string;
  trigger: string;
  counts: Record<string, number>;
  graph: { requests: number; retries: number; throttled: number; waitedMs: number };
  issues: {
    objectId: string;
    userPrincipalName: string | null;
    severity: string;
    code: string;
    message: string;
    action?: string;
    microsoft?: { status?: number; code?: string };
  }[];
  plan?:
    { mailbox: string | null; owner: string; status: string; upserted: number; deleted: number }[] | null;
  error: { code: string; message: string } | null;
}

interface SettingsBody {
  schedule: string;
  scheduleTimeZone: string;
  scheduleTimeZoneSetting: string | null;
  nextScheduledRunAt: string | null;
}

describe('Microsoft 365 contact sync (emulator over HTTPS, real PostgreSQL)', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let contacts: PbxContactsPort;
  let scenarios = 0;

  beforeAll(async () => {
    ({ m365, t } = await startSyncTestApp({ graphRetries: { ...FAST_GRAPH_RETRIES, maxAttempts: 4 } }));
    contacts = t.get<PbxContactsPort>(PBX_CONTACTS);
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  afterEach(() => resetEmulatorFaults(m365));

  async function scenario(settings: Record<string, unknown> = {}, cloud = 'GLOBAL'): Promise<Scenario> {
    scenarios++;
    return createDirectoryScenario(t, m365, {
      seed: `contact-sync-${scenarios}`,
      domain: `contacts${scenarios}.onmicrosoft.com`,
      permissions: [...MAILBOX_SEED_PERMISSIONS, 'User.Read.All'],
      tenantSettings: { cloud, features: { personalContacts: true, sharedMailboxes: true } },
      settings,
      settingsPath: 'contact-sync/settings',
    });
  }

  const waitFor = (s: Scenario, feature: 'user-sync' | 'contact-sync', runId: string) =>
    waitForRun<RunBody>(t, s, feature, runId);

  async function syncUsers(s: Scenario, body: Record<string, unknown> = {}): Promise<Map<string, string>> {
    const started = await t.as(s.pbx.adminToken).post(`${s.base}/user-sync/runs`).send(body).expect(202);
    expect(await waitFor(s, 'user-sync', (started.body as RunBody).id)).toMatchObject({
      status: 'SUCCEEDED',
    });
    const links = (await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/links?limit=500`).expect(200))
      .body as { objectId: string; pbxUserId: string }[];
    return new Map(links.map((l) => [l.objectId, l.pbxUserId]));
  }

  async function run(s: Scenario, body: Record<string, unknown> = {}): Promise<RunBody> {
    const started = await t.as(s.pbx.adminToken).post(`${s.base}/contact-sync/runs`).send(body).expect(202);
    expect(started.body).toMatchObject({ kind: 'CONTACTS', status: 'RUNNING' });
    return waitFor(s, 'contact-sync', (started.body as RunBody).id);
  }

  async function personal(s: Scenario, pbxUserId: string): Promise<ContactBody[]> {
    const response = await t
      .as(s.pbx.adminToken)
      .get(`/api/tenants/${s.pbx.tenant.id}/users/${pbxUserId}/contacts?limit=200`)
      .expect(200);
    return (response.body as { items: ContactBody[] }).items;
  }

  async function company(s: Scenario): Promise<ContactBody[]> {
    const response = await t
      .as(s.pbx.adminToken)
      .get(`/api/tenants/${s.pbx.tenant.id}/contacts?limit=200`)
      .expect(200);
    return (response.body as { items: ContactBody[] }).items;
  }

  const names = (list: ContactBody[]) => list.map((c) => c.displayName).sort();

  /** Graph requests the emulator answered since its counters were reset, by route. */
  const graphRoutes = (): Record<string, number> =>
    Object.fromEntries(
      Object.entries(m365.emulator.control.getCounters().byRoute)
        .filter(([route]) => route.includes('/users/{id}/contact'))
        .map(([route, statuses]) => [route, Object.values(statuses).reduce((a, b) => a + b, 0)]),
    );

  /** What any write to the contact sync's tables or the address books would change. */
  async function writeMarks(): Promise<Record<string, unknown>> {
    const [row] = await t.orm.em.getConnection().execute<Record<string, unknown>[]>(
      `select (select count(*) || '/' || coalesce(max(updated_at)::text, '') from contacts) as contacts,
              (select count(*) || '/' || coalesce(max(updated_at)::text, '') from m365_contact_folders) as folders,
              (select count(*) || '/' || coalesce(max(updated_at)::text, '') from m365_contact_mailboxes) as mailboxes,
              (select count(*) || '/' || coalesce(string_agg(pass_id || folder_id, ',' order by mailbox_id, contact_id), '')
                 from m365_contact_items) as items`,
    );
    return row ?? {};
  }

  async function folderPaths(mailboxId: string): Promise<string[]> {
    const rows = await t.orm.em
      .getConnection()
      .execute<{ path: string }[]>(
        `select path from m365_contact_folders where mailbox_id = ? order by path`,
        [mailboxId],
      );
    return rows.map((row) => row.path);
  }

  it('syncs every folder at any depth, then edits and deletions incrementally; local contacts stay', async () => {
    const s = await scenario();
    const alice = s.add('alice');
    const control = m365.emulator.control;
    const mailbox = { tenant: s.directoryId, user: alice };
    control.addContact({
      ...mailbox,
      contact: {
        displayName: 'Default Dora',
        givenName: 'Dora',
        surname: 'Default',
        companyName: 'Contoso',
        jobTitle: 'Buyer',
        businessPhones: ['+49 30 1111'],
        mobilePhone: '+49 170 1111',
        emailAddresses: ['dora@example.com'],
      },
    });
    const clients = control.addContactFolder({ ...mailbox, displayName: 'Clients' });
    const client = control.addContact({
      ...mailbox,
      folderId: clients.id,
      contact: { displayName: 'Client Carl' },
    });
    const vip = control.addContactFolder({ ...mailbox, displayName: 'VIP', parentFolderId: clients.id });
    const vipContact = control.addContact({
      ...mailbox,
      folderId: vip.id,
      contact: { displayName: 'Vip Vera' },
    });
    const gold = control.addContactFolder({ ...mailbox, displayName: 'Gold', parentFolderId: vip.id });
    control.addContact({ ...mailbox, folderId: gold.id, contact: { displayName: 'Gold Gus' } });
    const links = await syncUsers(s);
    const pbxUser = links.get(alice) ?? '';
    // A contact the user made by hand in the PBX.
    await t
      .as(s.pbx.adminToken)
      .post(`/api/tenants/${s.pbx.tenant.id}/users/${pbxUser}/contacts`)
      .send({ displayName: 'Local Lisa', mobilePhone: '+49 170 9999' })
      .expect(201);

    const first = await run(s);
    expect(first).toMatchObject({ status: 'SUCCEEDED', mode: 'FULL', trigger: 'MANUAL' });
    expect(first.counts).toMatchObject({ 'mailboxes.synced': 1, folders: 4, 'contacts.upserted': 4 });
    expect(first.plan).toEqual([
      expect.objectContaining({ mailbox: s.upn('alice'), owner: 'user', status: 'SYNCED', upserted: 4 }),
    ]);
    const synced = await personal(s, pbxUser);
    expect(names(synced)).toEqual(['Client Carl', 'Default Dora', 'Gold Gus', 'Local Lisa', 'Vip Vera']);
    expect(synced.find((c) => c.displayName === 'Default Dora')).toMatchObject({
      firstName: 'Dora',
      lastName: 'Default',
      company: 'Contoso',
      jobTitle: 'Buyer',
      businessPhones: ['+49 30 1111'],
      mobilePhone: '+49 170 1111',
      emailAddresses: ['dora@example.com'],
      externalSource: 'microsoft365',
      externalId: expect.stringMatching(new RegExp(`^${alice}:`)),
    });

    // Nothing changed: one contactFolders/delta request for the tree (it is not listed again) and one
    // contacts/delta request per folder (4 folders), and nothing written: no contact, no cursor, no tree.
    control.resetCounters();
    const writesBefore = await writeMarks();
    const idle = await run(s);
    expect(idle).toMatchObject({ status: 'SUCCEEDED', mode: 'INCREMENTAL' });
    expect(idle.counts['contacts.upserted']).toBeUndefined();
    expect(idle.counts['contacts.deleted']).toBeUndefined();
    expect(graphRoutes()).toEqual({
      'GET /v1.0/users/{id}/contactFolders/delta': 1,
      'GET /v1.0/users/{id}/contactFolders/{folderId}/contacts/delta': 3,
      'GET /v1.0/users/{id}/contacts/delta': 1,
    });
    expect(await writeMarks()).toEqual(writesBefore);

    control.updateContact({ ...mailbox, contactId: client.id, changes: { displayName: 'Client Carla' } });
    control.deleteContact({ ...mailbox, contactId: vipContact.id });
    control.addContact({ ...mailbox, folderId: gold.id, contact: { displayName: 'Gold Gwen' } });
    const changes = await run(s);
    expect(changes.counts).toMatchObject({ 'contacts.upserted': 2, 'contacts.deleted': 1 });
    expect(names(await personal(s, pbxUser))).toEqual([
      'Client Carla',
      'Default Dora',
      'Gold Gus',
      'Gold Gwen',
      'Local Lisa',
    ]);

    // A folder removed in Outlook takes its contacts and its sub-folders' contacts with it: the folder delta
    // says so, the tree is not listed.
    control.deleteContactFolder({ ...mailbox, folderId: vip.id });
    control.resetCounters();
    const removal = await run(s);
    expect(removal.counts).toMatchObject({ 'folders.removed': 2, 'contacts.deleted': 2 });
    expect(names(await personal(s, pbxUser))).toEqual(['Client Carla', 'Default Dora', 'Local Lisa']);
    expect(graphRoutes()).toEqual({
      'GET /v1.0/users/{id}/contactFolders/delta': 1,
      'GET /v1.0/users/{id}/contactFolders/{folderId}/contacts/delta': 1,
      'GET /v1.0/users/{id}/contacts/delta': 1,
    });

    // Folders added (at any depth) or renamed are noticed through the folder delta of the next incremental run.
    const partners = control.addContactFolder({
      ...mailbox,
      displayName: 'Partners',
      parentFolderId: clients.id,
    });
    control.addContact({ ...mailbox, folderId: partners.id, contact: { displayName: 'Partner Pia' } });
    control.renameContactFolder({ ...mailbox, folderId: clients.id, displayName: 'Customers' });
    control.resetCounters();
    const added = await run(s);
    expect(added).toMatchObject({ mode: 'INCREMENTAL' });
    expect(added.counts).toMatchObject({ folders: 3, 'folders.fullPass': 1, 'contacts.upserted': 1 });
    expect(names(await personal(s, pbxUser))).toEqual([
      'Client Carla',
      'Default Dora',
      'Local Lisa',
      'Partner Pia',
    ]);
    expect(graphRoutes()).toEqual({
      'GET /v1.0/users/{id}/contactFolders/delta': 1,
      'GET /v1.0/users/{id}/contactFolders/{folderId}/contacts/delta': 2,
      'GET /v1.0/users/{id}/contacts/delta': 1,
    });
    expect(await folderPaths(alice)).toEqual([
      'Contacts',
      'Contacts/Customers',
      'Contacts/Customers/Partners',
    ]);
  });

  it('in 21Vianet, which has no contactFolders/delta, lists the tree on full runs and when a folder is gone, and reuses it otherwise', async () => {
    const s = await scenario({}, 'CHINA');
    const alice = s.add('alice');
    const control = m365.emulator.control;
    const mailbox = { tenant: s.directoryId, user: alice };
    control.addContact({ ...mailbox, contact: { displayName: 'Default Dora' } });
    const clients = control.addContactFolder({ ...mailbox, displayName: 'Clients' });
    control.addContact({ ...mailbox, folderId: clients.id, contact: { displayName: 'Client Carl' } });
    const vip = control.addContactFolder({ ...mailbox, displayName: 'VIP', parentFolderId: clients.id });
    control.addContact({ ...mailbox, folderId: vip.id, contact: { displayName: 'Vip Vera' } });
    const links = await syncUsers(s);
    const pbxUser = links.get(alice) ?? '';
    const listing = {
      'GET /v1.0/users/{id}/contactFolders': 1,
      'GET /v1.0/users/{id}/contactFolders/{folderId}/childFolders': 2,
    };

    control.resetCounters();
    const first = await run(s);
    expect(first).toMatchObject({ status: 'SUCCEEDED', mode: 'FULL' });
    expect(first.counts).toMatchObject({ folders: 3, 'contacts.upserted': 3, 'folders.treeListed': 1 });
    expect(graphRoutes()).toEqual({
      ...listing,
      'GET /v1.0/users/{id}/contactFolders/{folderId}/contacts/delta': 2,
      'GET /v1.0/users/{id}/contacts/delta': 1,
    });

    // Idle: the stored tree, one contacts/delta per folder, nothing written.
    control.resetCounters();
    const writesBefore = await writeMarks();
    const idle = await run(s);
    expect(idle).toMatchObject({ status: 'SUCCEEDED', mode: 'INCREMENTAL' });
    expect(idle.counts['folders.treeListed']).toBeUndefined();
    expect(graphRoutes()).toEqual({
      'GET /v1.0/users/{id}/contactFolders/{folderId}/contacts/delta': 2,
      'GET /v1.0/users/{id}/contacts/delta': 1,
    });
    expect(await writeMarks()).toEqual(writesBefore);

    // A folder deleted: its contacts/delta answers ErrorItemNotFound, the tree is listed again (and finds the
    // folder added meanwhile), the deleted folder's contacts go.
    control.deleteContactFolder({ ...mailbox, folderId: vip.id });
    const family = control.addContactFolder({ ...mailbox, displayName: 'Family' });
    control.addContact({ ...mailbox, folderId: family.id, contact: { displayName: 'Family Fred' } });
    control.resetCounters();
    const gone = await run(s);
    expect(gone).toMatchObject({ status: 'SUCCEEDED', mode: 'INCREMENTAL' });
    expect(gone.counts).toMatchObject({
      'folders.gone': 1,
      'folders.treeListed': 1,
      'folders.removed': 1,
      'contacts.deleted': 1,
      'contacts.upserted': 1,
    });
    expect(gone.issues).toEqual([]);
    expect(names(await personal(s, pbxUser))).toEqual(['Client Carl', 'Default Dora', 'Family Fred']);
    expect(graphRoutes()).toEqual({
      'GET /v1.0/users/{id}/contactFolders': 1,
      'GET /v1.0/users/{id}/contactFolders/{folderId}/childFolders': 2,
      // Clients and VIP (gone), then Family.
      'GET /v1.0/users/{id}/contactFolders/{folderId}/contacts/delta': 3,
      'GET /v1.0/users/{id}/contacts/delta': 1,
    });
    expect(await folderPaths(alice)).toEqual(['Contacts', 'Contacts/Clients', 'Contacts/Family']);

    // A folder renamed shows on the next full run.
    control.renameContactFolder({ ...mailbox, folderId: clients.id, displayName: 'Customers' });
    expect(await run(s, { full: true })).toMatchObject({ status: 'SUCCEEDED', mode: 'FULL' });
    expect(await folderPaths(alice)).toEqual(['Contacts', 'Contacts/Customers', 'Contacts/Family']);
  });

  it('publishes shared mailboxes as company contacts and reports failing mailboxes while the others sync', async () => {
    const s = await scenario();
    const control = m365.emulator.control;
    const alice = s.add('alice');
    const bob = s.add('bob');
    const carol = s.add('carol');
    const shared = control.createSharedMailbox({
      tenant: s.directoryId,
      userPrincipalName: s.upn('reception'),
    });
    control.addContact({ tenant: s.directoryId, user: shared.id, contact: { displayName: 'Plumber Paul' } });
    control.addContact({ tenant: s.directoryId, user: alice, contact: { displayName: 'Alice Friend' } });
    control.setMailboxEnabled({ tenant: s.directoryId, user: bob, enabled: false });
    control.setMailboxAccessPolicy({ tenant: s.directoryId, user: carol, blocked: true });
    const links = await syncUsers(s);

    const candidates = await t
      .as(s.pbx.adminToken)
      .get(`${s.base}/contact-sync/shared-mailbox-candidates`)
      .expect(200);
    expect(candidates.body).toEqual([
      {
        objectId: shared.id,
        userPrincipalName: s.upn('reception'),
        displayName: 'reception',
        selected: false,
      },
    ]);
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/contact-sync/settings`)
      .send({ sharedMailboxes: [s.upn('Reception').toUpperCase(), s.upn('alice')] })
      .expect(200);

    const result = await run(s);
    expect(result.status).toBe('COMPLETED_WITH_ERRORS');
    expect(result.counts).toMatchObject({ 'mailboxes.synced': 2, 'mailboxes.failed': 3 });
    const issue = (code: string) => result.issues.find((i) => i.code === code);
    expect(issue('MAILBOX_NOT_ENABLED')).toMatchObject({
      objectId: bob,
      userPrincipalName: s.upn('bob'),
      severity: 'error',
      action: expect.stringContaining('Exchange Online licence'),
      microsoft: expect.objectContaining({ code: 'MailboxNotEnabledForRESTAPI' }),
    });
    expect(issue('PERMISSION_MISSING')).toMatchObject({
      objectId: carol,
      action: expect.stringContaining('application access policy'),
      microsoft: expect.objectContaining({ status: 403, code: 'ErrorAccessDenied' }),
    });
    // A personal mailbox listed as shared is refused: it would publish someone's own contacts.
    expect(issue('NOT_A_SHARED_MAILBOX')).toMatchObject({ userPrincipalName: s.upn('alice') });
    // The provisioning log says the same per mailbox: what was synced, skipped and why, what failed and why.
    const log = await t
      .as(s.pbx.adminToken)
      .get(`${s.base}/contact-sync/provisioning-log`)
      .query({ runId: result.id })
      .expect(200);
    const entries = (
      log.body as { action: string; objectId: string; reason: string | null; pbxUserId: string | null }[]
    )
      .map((e) => `${e.action} ${e.objectId} ${e.reason ?? '-'} ${e.pbxUserId ?? 'company'}`)
      .sort();
    expect(entries).toEqual(
      [
        `FAILED ${bob} MAILBOX_NOT_ENABLED ${links.get(bob)}`,
        `FAILED ${carol} PERMISSION_MISSING ${links.get(carol)}`,
        `SKIPPED ${alice} NOT_A_SHARED_MAILBOX company`,
        `SYNCED ${alice} - ${links.get(alice)}`,
        `SYNCED ${shared.id} - company`,
      ].sort(),
    );
    expect(names(await personal(s, links.get(alice) ?? ''))).toEqual(['Alice Friend']);
    expect(names(await company(s))).toEqual(['Plumber Paul']);
    expect(await contacts.listExternalIds(s.pbx.tenant.id, { kind: 'company' })).toEqual([
      expect.stringMatching(new RegExp(`^${shared.id}:`)),
    ]);

    // Taken off the list: the company contacts from it go.
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/contact-sync/settings`)
      .send({ sharedMailboxes: [] })
      .expect(200);
    const after = await run(s);
    expect(after.counts).toMatchObject({ 'mailboxes.removed': 1 });
    expect(await company(s)).toEqual([]);
  });

  it('rides out Outlook throttling and falls back to a full pass of a folder whose delta link expired', async () => {
    const s = await scenario();
    const control = m365.emulator.control;
    const alice = s.add('alice');
    const mailbox = { tenant: s.directoryId, user: alice };
    const keep = control.addContact({ ...mailbox, contact: { displayName: 'Keep Kim' } });
    const doomed = control.addContact({ ...mailbox, contact: { displayName: 'Doomed Dan' } });
    const links = await syncUsers(s);

    control.throttleNext({ count: 2, route: '/contacts/delta', retryAfterSeconds: 1 });
    const throttled = await run(s);
    expect(throttled).toMatchObject({ status: 'SUCCEEDED' });
    expect(throttled.graph.throttled).toBeGreaterThanOrEqual(2);
    expect(throttled.graph.waitedMs).toBeGreaterThanOrEqual(2_000);
    expect(names(await personal(s, links.get(alice) ?? ''))).toEqual(['Doomed Dan', 'Keep Kim']);

    // Outlook forgets the delta state; a contact deleted meanwhile is still noticed by the full pass.
    control.expireDeltaTokens({ tenant: s.directoryId });
    control.deleteContact({ ...mailbox, contactId: doomed.id });
    control.updateContact({ ...mailbox, contactId: keep.id, changes: { displayName: 'Keep Kimberly' } });
    const expired = await run(s);
    expect(expired).toMatchObject({ status: 'SUCCEEDED', mode: 'INCREMENTAL' });
    expect(expired.counts).toMatchObject({ 'folders.deltaExpired': 1, 'folders.fullPass': 1 });
    expect(names(await personal(s, links.get(alice) ?? ''))).toEqual(['Keep Kimberly']);
  });

  it('removes the synced contacts of a user who leaves the scope or whose link ends; local ones stay', async () => {
    const s = await scenario();
    const control = m365.emulator.control;
    const alice = s.add('alice');
    const bob = s.add('bob', { department: 'Support' });
    control.addContact({ tenant: s.directoryId, user: alice, contact: { displayName: 'Alice Friend' } });
    control.addContact({ tenant: s.directoryId, user: bob, contact: { displayName: 'Bob Friend' } });
    const links = await syncUsers(s);
    const bobUser = links.get(bob) ?? '';
    await t
      .as(s.pbx.adminToken)
      .post(`/api/tenants/${s.pbx.tenant.id}/users/${bobUser}/contacts`)
      .send({ displayName: 'Bob Local' })
      .expect(201);
    await run(s);
    expect(names(await personal(s, bobUser))).toEqual(['Bob Friend', 'Bob Local']);

    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/contact-sync/settings`)
      .send({ departments: ['sales'] })
      .expect(200);
    const narrowed = await run(s);
    expect(narrowed.counts).toMatchObject({ 'mailboxes.removed': 1, 'outOfScope.department': 1 });
    expect(names(await personal(s, bobUser))).toEqual(['Bob Local']);
    expect(names(await personal(s, links.get(alice) ?? ''))).toEqual(['Alice Friend']);

    // Alice's account is unbound from her PBX user: her synced contacts go with the link.
    await t.as(s.pbx.adminToken).delete(`${s.base}/user-sync/links/${alice}`).expect(204);
    const unbound = await run(s);
    expect(unbound.counts).toMatchObject({ 'mailboxes.removed': 1 });
    expect(await personal(s, links.get(alice) ?? '')).toEqual([]);
  });

  it('runs after each user sync that changed PBX users when asked to, never after an idle one, or on its own cron', async () => {
    const s = await scenario({ schedule: 'AFTER_USER_SYNC' });
    const alice = s.add('alice');
    m365.emulator.control.addContact({
      tenant: s.directoryId,
      user: alice,
      contact: { displayName: 'Alice Friend' },
    });
    const contactRuns = async () =>
      (await t.as(s.pbx.adminToken).get(`${s.base}/contact-sync/runs`).expect(200)).body as RunBody[];
    /** Waits for the chained contact runs to number `count` and to have finished. */
    async function chained(count: number): Promise<RunBody[]> {
      let runs: RunBody[] = [];
      for (let i = 0; i < 200 && (runs.length < count || runs[0]?.status === 'RUNNING'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        runs = await contactRuns();
      }
      return runs;
    }
    const links = await syncUsers(s);
    expect(await chained(1)).toEqual([
      expect.objectContaining({ kind: 'CONTACTS', trigger: 'SCHEDULE', status: 'SUCCEEDED' }),
    ]);
    expect(names(await personal(s, links.get(alice) ?? ''))).toEqual(['Alice Friend']);

    // Idle user syncs, incremental (one Graph request) and full (sync now): no contact pass follows either.
    const mailboxRequests = () =>
      Object.keys(m365.emulator.control.getCounters().byRoute).filter((route) => /contact/i.test(route));
    m365.emulator.control.resetCounters();
    await syncUsers(s, { mode: 'incremental' });
    await syncUsers(s);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await contactRuns()).toHaveLength(1);
    expect(mailboxRequests()).toEqual([]);

    // A user sync that creates a user is followed by a contact pass.
    s.add('bob');
    await syncUsers(s, { mode: 'incremental' });
    expect(await chained(2)).toEqual([
      expect.objectContaining({ trigger: 'SCHEDULE', status: 'SUCCEEDED' }),
      expect.objectContaining({ trigger: 'SCHEDULE', status: 'SUCCEEDED' }),
    ]);
    expect(mailboxRequests()).not.toEqual([]);

    const cron = await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/contact-sync/settings`)
      .send({ schedule: 'CRON', scheduleCron: '30 2 * * *', scheduleTimeZone: 'Europe/Berlin' })
      .expect(200);
    expect((cron.body as { nextScheduledRunAt: string | null }).nextScheduledRunAt).toEqual(
      expect.any(String),
    );
    await runWaitingJobNow(t.orm, `schedule:CONTACTS:${s.pbx.tenant.id}`);
    const latest = (await t.as(s.pbx.adminToken).get(`${s.base}/contact-sync/runs?limit=1`).expect(200))
      .body as RunBody[];
    expect(latest[0]).toMatchObject({ trigger: 'SCHEDULE', status: 'SUCCEEDED', mode: 'INCREMENTAL' });
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/contact-sync/settings`)
      .send({ schedule: 'OFF' })
      .expect(200);
  });

  async function patchSettings(s: Scenario, body: Record<string, unknown>): Promise<SettingsBody> {
    const response = await t.as(s.pbx.adminToken).patch(`${s.base}/contact-sync/settings`).send(body);
    expect(response.status).toBe(200);
    return response.body as SettingsBody;
  }

  it("runs its own cron in the PBX tenant's time zone unless the admin chose one", async () => {
    const s = await scenario();
    const key = `schedule:CONTACTS:${s.pbx.tenant.id}`;
    const shown = async () =>
      (await t.as(s.pbx.adminToken).get(`${s.base}/contact-sync/settings`).expect(200)).body as SettingsBody;
    // The test harness creates PBX tenants in Europe/Berlin. Nothing scheduled yet, but the zone is shown.
    expect(await shown()).toMatchObject({
      schedule: 'OFF',
      scheduleTimeZone: 'Europe/Berlin',
      scheduleTimeZoneSetting: null,
      nextScheduledRunAt: null,
    });

    // No time zone sent: 02:30 in Berlin is 00:30 or 01:30 UTC (summer or winter time).
    const saved = await patchSettings(s, { schedule: 'CRON', scheduleCron: '30 2 * * *' });
    expect(saved).toMatchObject({ scheduleTimeZone: 'Europe/Berlin', scheduleTimeZoneSetting: null });
    expect(saved.nextScheduledRunAt).toMatch(/T0[01]:30:00/);

    // A zone of the admin's choosing wins, and is kept.
    const chosen = await patchSettings(s, { scheduleTimeZone: 'Asia/Tokyo' });
    expect(chosen).toMatchObject({ scheduleTimeZone: 'Asia/Tokyo', scheduleTimeZoneSetting: 'Asia/Tokyo' });
    expect(chosen.nextScheduledRunAt).toMatch(/T17:30:00/);
    expect(await shown()).toMatchObject({ scheduleTimeZoneSetting: 'Asia/Tokyo' });
    // UTC chosen on purpose is a choice too, not "the tenant's".
    const utc = await patchSettings(s, { scheduleTimeZone: 'UTC' });
    expect(utc).toMatchObject({ scheduleTimeZone: 'UTC', scheduleTimeZoneSetting: 'UTC' });
    expect(utc.nextScheduledRunAt).toMatch(/T02:30:00/);

    // null goes back to the tenant's zone.
    const reset = await patchSettings(s, { scheduleTimeZone: null });
    expect(reset).toMatchObject({ scheduleTimeZone: 'Europe/Berlin', scheduleTimeZoneSetting: null });
    expect(reset.nextScheduledRunAt).toMatch(/T0[01]:30:00/);

    expect((await waitingJob(t.orm, key))?.data).toMatchObject({ schedule: '30 2 * * * @ Europe/Berlin' });

    // The PBX tenant moves: the view follows at once, and reading it moves the waiting slot to the new zone.
    await t
      .as(await t.loginAsSystemAdmin())
      .patch(`/api/tenants/${s.pbx.tenant.id}`)
      .send({ timeZone: 'America/New_York' })
      .expect(200);
    expect(await shown()).toMatchObject({
      scheduleTimeZone: 'America/New_York',
      scheduleTimeZoneSetting: null,
      nextScheduledRunAt: expect.stringMatching(/T0[67]:30:00/),
    });
    expect((await waitingJob(t.orm, key))?.data).toMatchObject({ schedule: '30 2 * * * @ America/New_York' });

    const off = await patchSettings(s, { schedule: 'OFF' });
    expect(off).toMatchObject({ nextScheduledRunAt: null, scheduleTimeZone: 'America/New_York' });
    expect(await waitingJob(t.orm, key)).toBeNull();
  });

  it('a cron schedule saved through one instance is followed by every instance at once, and its slot runs once', async () => {
    const s = await scenario({ schedule: 'CRON', scheduleCron: '0 3 * * *', scheduleTimeZone: 'UTC' });
    const alice = s.add('alice');
    m365.emulator.control.addContact({
      tenant: s.directoryId,
      user: alice,
      contact: { displayName: 'Alice Friend' },
    });
    const links = await syncUsers(s);
    const key = `schedule:CONTACTS:${s.pbx.tenant.id}`;
    const second = await createAnotherInstance(t, { microsoft365: m365.moduleOptions });
    try {
      expect((await waitingJob(t.orm, key))?.data.slot).toMatch(/T03:00:00/);

      // Changed through the first instance: the slot is a job in the database, so there is nothing for the second
      // instance to catch up on; the old slot is cancelled, the new one waits.
      await patchSettings(s, { scheduleCron: '15 4 * * *' });
      expect((await waitingJob(t.orm, key))?.data).toMatchObject({ schedule: '15 4 * * * @ UTC' });
      expect((await waitingJob(t.orm, key))?.data.slot).toMatch(/T04:15:00/);
      expect((await jobsWithKey(t.orm, key)).map((job) => job.state)).toEqual(['cancelled', 'created']);
      const shownBySecond = (
        await second.as(s.pbx.adminToken).get(`${s.base}/contact-sync/settings`).expect(200)
      ).body as SettingsBody;
      expect(shownBySecond.nextScheduledRunAt).toMatch(/T04:15:00/);

      // Its time comes: one of the two instances runs it, once, and queues the next slot.
      await runWaitingJobNow(t.orm, key);
      const ran = (await t.as(s.pbx.adminToken).get(`${s.base}/contact-sync/runs`).expect(200))
        .body as RunBody[];
      expect(ran).toEqual([
        expect.objectContaining({ trigger: 'SCHEDULE', status: 'SUCCEEDED', mode: 'FULL' }),
      ]);
      expect(names(await personal(s, links.get(alice) ?? ''))).toEqual(['Alice Friend']);
      expect((await waitingJob(t.orm, key))?.data.slot).toMatch(/T04:15:00/);

      // No longer on its own cron (after each user sync instead): no slot waits, for either instance.
      await patchSettings(s, { schedule: 'AFTER_USER_SYNC' });
      expect(await waitingJob(t.orm, key)).toBeNull();
    } finally {
      await second.close();
    }
  }, 60_000);

  it('rejects bad settings with the field and reason, and keeps tenants apart', async () => {
    const s = await scenario();
    const other = await scenario();
    const bad = await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/contact-sync/settings`)
      .send({
        selectionMode: 'SOME',
        sharedMailboxes: ['not-an-upn'],
        schedule: 'HOURLY',
        scheduleCron: 'every day',
        scheduleTimeZone: 'Mars/Olympus',
        surprise: true,
      })
      .expect(400);
    const fields = (bad.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(
      expect.arrayContaining([
        'schedule',
        'scheduleCron',
        'scheduleTimeZone',
        'selectionMode',
        'sharedMailboxes',
        'surprise',
      ]),
    );
    await t.as(s.pbx.adminToken).post(`${s.base}/contact-sync/runs`).send({ full: 'yes' }).expect(400);
    await t.as(s.pbx.adminToken).get(`${s.base}/contact-sync/runs/not-a-uuid`).expect(400);
    // The system scope has no contacts to sync.
    const system = await t.loginAsSystemAdmin();
    await t.as(system).get(`/api/microsoft365/tenants/system/contact-sync/settings`).expect(400);

    const mine = await run(s);
    await t.as(other.pbx.adminToken).get(`${s.base}/contact-sync/settings`).expect(403);
    await t.as(other.pbx.adminToken).post(`${s.base}/contact-sync/runs`).send({}).expect(403);
    await t.as(other.pbx.adminToken).get(`${other.base}/contact-sync/runs/${mine.id}`).expect(404);
    // A user sync run is not a contact sync run.
    const users = await t.as(s.pbx.adminToken).post(`${s.base}/user-sync/runs`).send({}).expect(202);
    await waitFor(s, 'user-sync', (users.body as RunBody).id);
    await t
      .as(s.pbx.adminToken)
      .get(`${s.base}/contact-sync/runs/${(users.body as RunBody).id}`)
      .expect(404);

    // Both switches off: no run.
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/settings`)
      .send({ features: { personalContacts: false, sharedMailboxes: false } })
      .expect(200);
    const disabled = await t.as(s.pbx.adminToken).post(`${s.base}/contact-sync/runs`).send({}).expect(409);
    expect(disabled.body).toMatchObject({ code: 'DISABLED' });
  });
});
