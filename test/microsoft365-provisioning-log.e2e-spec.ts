import { MAILBOX_SEED_PERMISSIONS } from '@pbx/m365-emulator';
import { PBX_DIRECTORY, type PbxDirectoryPort } from '@pbx/microsoft365';
import { ProvisioningLogCleanup } from '@pbx/microsoft365/provisioning-log/provisioning-log.cleanup';
import { ProvisioningLogWriter } from '@pbx/microsoft365/provisioning-log/provisioning-log.writer';
import { type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  type DirectoryScenario as Scenario,
  FAST_GRAPH_RETRIES,
  resetEmulatorFaults,
  runToEnd,
  startSyncTestApp,
  TINY_JPEG,
} from '@pbx/test/support/directory-scenario';
import { type EmulatedMicrosoft365 } from '@pbx/test/support/microsoft365-test-env';

interface RunBody {
  id: string;
  status: string;
  counts: Record<string, number>;
}

interface Entry {
  id: string;
  runId: string;
  action: string;
  objectId: string;
  userPrincipalName: string | null;
  pbxUserId: string | null;
  extension: string | null;
  reason: string | null;
  message: string | null;
  changes: { field: string; from: unknown; to: unknown }[] | null;
  counts: Record<string, number> | null;
  createdAt: string;
}

describe('Microsoft 365 provisioning log (emulator over HTTPS, real PostgreSQL)', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let scenarios = 0;

  beforeAll(async () => {
    ({ m365, t } = await startSyncTestApp({ graphRetries: FAST_GRAPH_RETRIES }));
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  afterEach(() => {
    resetEmulatorFaults(m365);
    m365.clock.reset();
  });

  async function scenario(settings: Record<string, unknown> = {}): Promise<Scenario> {
    scenarios++;
    return createDirectoryScenario(t, m365, {
      seed: `provisioning-log-${scenarios}`,
      domain: `log${scenarios}.onmicrosoft.com`,
      permissions: [...MAILBOX_SEED_PERMISSIONS, 'User.Read.All'],
      tenantSettings: { features: { personalContacts: true, sharedMailboxes: true } },
      settings,
    });
  }

  // Incremental, so each run logs what changed in Microsoft 365 since the last; a plain "sync now" is a full run,
  // which also logs the users it skips every time (the nameless room below).
  const run = async (s: Scenario, body: Record<string, unknown> = { mode: 'incremental' }) => {
    const done = await runToEnd<RunBody>(t, s, 'user-sync', body);
    expect(done.status).toBe('SUCCEEDED');
    return done;
  };

  async function log(
    s: Scenario,
    query: Record<string, string | number> = {},
    feature: 'user-sync' | 'contact-sync' = 'user-sync',
  ): Promise<Entry[]> {
    const response = await t
      .as(s.pbx.adminToken)
      .get(`${s.base}/${feature}/provisioning-log`)
      .query(query)
      .expect(200);
    return response.body as Entry[];
  }

  const actionsOf = (entries: Entry[]) => entries.map((e) => e.action);

  it('answers what happened to a user across runs: create, field change, disable, re-enable, delete, skip', async () => {
    const s = await scenario();
    const alice = s.add('alice', { jobTitle: 'Sales rep' });
    const bob = s.add('bob');
    const carol = s.add('carol');
    const room = s.add('room', { givenName: null, surname: null, displayName: 'Board room' });
    const control = m365.emulator.control;

    const created = await run(s);
    const first = await log(s, { runId: created.id });
    expect(first).toHaveLength(4);
    const aliceCreated = first.find((e) => e.objectId === alice);
    expect(aliceCreated).toMatchObject({
      action: 'CREATED',
      runId: created.id,
      userPrincipalName: s.upn('alice'),
      pbxUserId: expect.any(String),
      extension: '1000',
      changes: null,
    });
    expect(first.find((e) => e.objectId === room)).toMatchObject({
      action: 'SKIPPED',
      reason: 'no-name',
      pbxUserId: null,
      message: expect.stringMatching(/first name and last name are both empty/),
    });
    const bobCreated = first.find((e) => e.objectId === bob);
    const carolCreated = first.find((e) => e.objectId === carol);

    control.updateUser({ tenant: s.directoryId, user: alice, changes: { jobTitle: 'Head of Sales' } });
    const changed = await run(s);
    expect(await log(s, { runId: changed.id })).toEqual([
      expect.objectContaining({
        action: 'UPDATED',
        objectId: alice,
        pbxUserId: aliceCreated?.pbxUserId,
        extension: '1000',
        changes: [{ field: 'jobTitle', from: 'Sales rep', to: 'Head of Sales' }],
      }),
    ]);

    control.updateUser({ tenant: s.directoryId, user: bob, changes: { accountEnabled: false } });
    const disabled = await run(s);
    control.updateUser({ tenant: s.directoryId, user: bob, changes: { accountEnabled: true } });
    const reEnabled = await run(s);

    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ leaverPolicy: 'DELETE' })
      .expect(200);
    control.deleteUser({ tenant: s.directoryId, user: carol });
    const deleted = await run(s);

    // A dry run answers with its plan and writes nothing to the log.
    control.updateUser({ tenant: s.directoryId, user: alice, changes: { jobTitle: 'CEO' } });
    const dry = await run(s, { dryRun: true });
    expect(await log(s, { runId: dry.id })).toEqual([]);

    // By object id and by PBX user id: Bob's whole story, newest first, each entry with its run.
    const bobStory = await log(s, { objectId: bob });
    expect(bobStory.map((e) => [e.action, e.runId, e.reason])).toEqual([
      ['RE_ENABLED', reEnabled.id, null],
      ['DISABLED', disabled.id, 'account-disabled'],
      ['CREATED', created.id, null],
    ]);
    expect(
      bobStory.every((e) => e.pbxUserId === bobCreated?.pbxUserId && e.extension === bobCreated?.extension),
    ).toBe(true);
    expect(await log(s, { pbxUserId: bobCreated?.pbxUserId ?? '' })).toEqual(bobStory);

    // By UPN, whatever its case.
    const aliceStory = await log(s, { upn: s.upn('alice').toUpperCase() });
    expect(actionsOf(aliceStory)).toEqual(['UPDATED', 'CREATED']);

    // By action, across runs.
    expect(await log(s, { action: 'DELETED' })).toEqual([
      expect.objectContaining({
        objectId: carol,
        runId: deleted.id,
        reason: 'deleted-in-microsoft365',
        userPrincipalName: s.upn('carol'),
        pbxUserId: carolCreated?.pbxUserId,
        extension: carolCreated?.extension,
      }),
    ]);
    expect((await log(s, { action: 'SKIPPED' })).map((e) => e.objectId)).toEqual([room]);
    expect(await log(s, { action: 'SKIPPED', objectId: alice })).toEqual([]);

    // Paging: newest first, no entry twice, none missing.
    const all = await log(s);
    expect(all).toHaveLength(8);
    const pages = [
      await log(s, { limit: 3, offset: 0 }),
      await log(s, { limit: 3, offset: 3 }),
      await log(s, { limit: 3, offset: 6 }),
    ];
    expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
    expect(pages.flat().map((e) => e.id)).toEqual(all.map((e) => e.id));
    const times = all.map((e) => e.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('logs links to existing PBX users with the fields they changed, and failures with the error', async () => {
    const s = await scenario({ extensionStart: '2000', extensionEnd: '2000' });
    const erin = s.add('erin', { jobTitle: 'Buyer' });
    const local = await t.createUser(s.pbx.adminToken, s.pbx.tenant.id, {
      extension: '3000',
      displayName: 'Erin Local',
      userPrincipalName: s.upn('erin'),
    });
    s.add('alice');
    s.add('bob');
    const done = await runToEnd<RunBody>(t, s, 'user-sync');
    expect(done).toMatchObject({
      status: 'COMPLETED_WITH_ERRORS',
      counts: { linked: 1, created: 1, failed: 1 },
    });
    const entries = await log(s, { runId: done.id });
    expect(entries.find((e) => e.objectId === erin)).toMatchObject({
      action: 'LINKED',
      pbxUserId: local.user.id,
      extension: '3000',
      reason: 'matched-by-upn',
      changes: expect.arrayContaining([
        { field: 'displayName', from: 'Erin Local', to: 'erin Example' },
        { field: 'jobTitle', from: null, to: 'Buyer' },
      ]),
    });
    expect(await log(s, { action: 'FAILED' })).toEqual([
      expect.objectContaining({
        runId: done.id,
        pbxUserId: null,
        reason: 'EXTENSION_RANGE_FULL',
        message: 'No free extension number is left in the configured range',
      }),
    ]);
    expect(actionsOf(entries).sort()).toEqual(['CREATED', 'FAILED', 'LINKED']);
  });

  it("writes a page's entries in the page's transaction: a page that rolls back leaves none", async () => {
    const s = await scenario();
    const alice = s.add('alice');
    const writer = t.get(ProvisioningLogWriter);
    const write = writer.write.bind(writer);
    // The entries are written, then the page's transaction fails after them.
    const spy = jest.spyOn(writer, 'write').mockImplementationOnce(async (...args) => {
      await write(...args);
      throw new Error('the PBX process died');
    });
    const crashed = await runToEnd<RunBody>(t, s, 'user-sync');
    spy.mockRestore();
    expect(crashed.status).toBe('FAILED');
    expect(await log(s)).toEqual([]);

    const recovered = await run(s);
    expect(await log(s)).toEqual([
      expect.objectContaining({ action: 'CREATED', objectId: alice, runId: recovered.id }),
    ]);
  });

  it('a failed photo write fails the run but keeps the page: the next run writes the photo, and logs nothing twice', async () => {
    const s = await scenario({ syncPhotos: true });
    const alice = s.add('alice');
    m365.emulator.control.setPhoto({
      tenant: s.directoryId,
      user: alice,
      jpegBase64: TINY_JPEG,
      width: 1,
      height: 1,
    });
    const directory = t.get<PbxDirectoryPort>(PBX_DIRECTORY);
    // Photos are written after their page, in a transaction of their own.
    const spy = jest.spyOn(directory, 'setPhotos').mockRejectedValueOnce(new Error('the PBX process died'));
    const crashed = await runToEnd<RunBody>(t, s, 'user-sync');
    expect(crashed.status).toBe('FAILED');
    expect(await log(s)).toEqual([
      expect.objectContaining({ action: 'CREATED', objectId: alice, runId: crashed.id }),
    ]);

    spy.mockClear();
    const recovered = await run(s);
    expect(recovered.counts).toMatchObject({ photos: 1 });
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(await log(s)).toEqual([
      expect.objectContaining({ action: 'CREATED', objectId: alice, runId: crashed.id }),
    ]);
  });

  it("keeps each tenant's log to its own admins, and refuses bad filters with the field and reason", async () => {
    const s = await scenario();
    const alice = s.add('alice');
    const mine = await run(s);
    const other = await scenario();
    other.add('alice');
    await run(other);

    for (const feature of ['user-sync', 'contact-sync']) {
      const refused = await t
        .as(other.pbx.adminToken)
        .get(`${s.base}/${feature}/provisioning-log`)
        .expect(403);
      expect(refused.body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    }
    // Through its own URL, the other admin finds nothing of this tenant's, whatever the filter.
    expect(await log(other, { runId: mine.id })).toEqual([]);
    expect(await log(other, { objectId: alice })).toEqual([]);
    expect(actionsOf(await log(other))).toEqual(['CREATED']);

    const bad = await t
      .as(s.pbx.adminToken)
      .get(`${s.base}/user-sync/provisioning-log`)
      .query({ runId: 'not-a-uuid', action: 'EXPLODED', limit: 0, pbxUserId: 'a b' })
      .expect(400);
    expect(bad.body).toMatchObject({ statusCode: 400, message: 'Validation failed' });
    expect((bad.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual([
      'action',
      'limit',
      'pbxUserId',
      'runId',
    ]);
    for (const [path, days] of [
      ['user-sync/settings', 0],
      ['user-sync/settings', 366],
      ['contact-sync/settings', 1.5],
    ] as const) {
      const refused = await t
        .as(s.pbx.adminToken)
        .patch(`${s.base}/${path}`)
        .send({ provisioningLogRetentionDays: days })
        .expect(400);
      expect(refused.body).toMatchObject({
        errors: [{ field: 'provisioningLogRetentionDays', reasons: expect.any(Array) }],
      });
    }
  });

  it('logs contact sync per mailbox: synced with its counts, removed when it leaves the scope', async () => {
    const s = await scenario();
    const alice = s.add('alice');
    const bob = s.add('bob');
    const control = m365.emulator.control;
    control.addContact({ tenant: s.directoryId, user: alice, contact: { displayName: 'Client Carl' } });
    control.addContact({ tenant: s.directoryId, user: alice, contact: { displayName: 'Client Cleo' } });
    await run(s);
    const contactRun = () => runToEnd<RunBody>(t, s, 'contact-sync');

    const first = await contactRun();
    const synced = await log(s, { runId: first.id }, 'contact-sync');
    // Bob's empty mailbox changed nothing: it has no entry.
    expect(synced).toEqual([
      expect.objectContaining({
        action: 'SYNCED',
        objectId: alice,
        userPrincipalName: s.upn('alice'),
        pbxUserId: expect.any(String),
        counts: expect.objectContaining({ upserted: 2, deleted: 0, folders: 1 }),
      }),
    ]);
    expect(await log(s, { objectId: bob }, 'contact-sync')).toEqual([]);

    const idle = await contactRun();
    expect(await log(s, { runId: idle.id }, 'contact-sync')).toEqual([]);

    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/contact-sync/settings`)
      .send({ selectionMode: 'EXCLUDE', selectedUsers: [s.upn('alice')] })
      .expect(200);
    const removed = await contactRun();
    expect(await log(s, { upn: s.upn('alice') }, 'contact-sync')).toEqual([
      expect.objectContaining({
        action: 'REMOVED',
        runId: removed.id,
        counts: expect.objectContaining({ deleted: 2 }),
      }),
      expect.objectContaining({ action: 'SYNCED', runId: first.id }),
    ]);
    // The user sync log and the contact sync log are apart.
    expect(actionsOf(await log(s, { objectId: alice }))).toEqual(['CREATED']);
  });

  it("removes entries past each tenant's retention, in every instance at once without harm", async () => {
    const short = await scenario({ provisioningLogRetentionDays: 2 });
    short.add('alice');
    await run(short);
    const long = await scenario();
    long.add('alice');
    await run(long);
    const settings = await t.as(short.pbx.adminToken).get(`${short.base}/user-sync/settings`).expect(200);
    expect(settings.body).toMatchObject({ provisioningLogRetentionDays: 2 });
    const defaults = await t.as(long.pbx.adminToken).get(`${long.base}/contact-sync/settings`).expect(200);
    expect(defaults.body).toMatchObject({ provisioningLogRetentionDays: 30 });
    const cleanup = t.get(ProvisioningLogCleanup);

    m365.clock.advanceDays(1);
    await cleanup.removeExpired();
    expect(await log(short)).toHaveLength(1);

    m365.clock.advanceDays(1.5);
    // Several instances cleaning at the same moment share the rows and fail on none.
    const removed = await Promise.all([cleanup.removeExpired(), cleanup.removeExpired()]);
    expect(removed.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await log(short)).toEqual([]);
    expect(await log(long)).toHaveLength(1);

    m365.clock.advanceDays(28);
    await cleanup.removeExpired();
    expect(await log(long)).toEqual([]);
  });
});
