import { PBX_DIRECTORY, type PbxDirectoryPort, type PbxDirectoryUser } from '@pbx/microsoft365';
import { runWaitingJobNow, waitingJob } from '@pbx/test/support/jobs';
import { type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  type DirectoryScenario as Scenario,
  FAST_GRAPH_RETRIES,
  resetEmulatorFaults,
  runToEnd,
  startSyncTestApp,
  TINY_JPEG,
  syncedPbxUsers,
  waitForRun,
} from '@pbx/test/support/directory-scenario';
import { type EmulatedMicrosoft365 } from '@pbx/test/support/microsoft365-test-env';

interface RunBody {
  id: string;
  status: string;
  mode: string;
  modeReason: string | null;
  trigger: string;
  counts: Record<string, number>;
  progress: { pagesRead: number; usersRead: number; usersProcessed: number };
  graph: { requests: number; retries: number; throttled: number; waitedMs: number };
  issues: {
    objectId: string;
    userPrincipalName: string | null;
    severity: string;
    code: string;
    message: string;
  }[];
  stagedRemovals: { state: string; reason: string; actions: { action: string; objectId: string }[] } | null;
  plan?: { action: string; objectId: string; userPrincipalName?: string }[] | null;
  error: { code: string; message: string; action?: string } | null;
}

describe('Microsoft 365 user sync (emulator over HTTPS, real PostgreSQL)', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let directory: PbxDirectoryPort;
  let scenarios = 0;

  beforeAll(async () => {
    ({ m365, t } = await startSyncTestApp({ graphRetries: FAST_GRAPH_RETRIES }));
    directory = t.get<PbxDirectoryPort>(PBX_DIRECTORY);
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  afterEach(() => resetEmulatorFaults(m365));

  async function scenario(settings: Record<string, unknown> = {}): Promise<Scenario> {
    scenarios++;
    return createDirectoryScenario(t, m365, {
      seed: `user-sync-${scenarios}`,
      domain: `scenario${scenarios}.onmicrosoft.com`,
      permissions: ['User.Read.All', 'GroupMember.Read.All', 'ProfilePhoto.Read.All'],
      settings,
    });
  }

  // These runs follow the delta machinery, so they ask for incremental: an admin's plain "sync now" is a full run
  // (test/microsoft365-user-sync-pbx-edits.e2e-spec.ts). A first run, or one after a scope change, is full anyway.
  const run = (s: Scenario, body: Record<string, unknown> = { mode: 'incremental' }) =>
    runToEnd<RunBody>(t, s, 'user-sync', body);

  const waitFor = (s: Scenario, runId: string) => waitForRun<RunBody>(t, s, 'user-sync', runId);

  const pbxUsers = (s: Scenario): Promise<PbxDirectoryUser[]> => syncedPbxUsers(directory, s);

  const byUpn = (users: PbxDirectoryUser[], upn: string) =>
    users.find((u) => u.userPrincipalName?.startsWith(`${upn}@`));

  it('creates members with stable extensions from the start number, links existing users, skips nameless ones', async () => {
    const s = await scenario({ extensionStart: '2000' });
    s.add('alice');
    s.add('bob', { department: 'Support' });
    s.add('room', { givenName: null, surname: null, displayName: 'Board room' });
    s.add('guest', { userType: 'Guest' });
    s.add('dave', { accountEnabled: false });
    const erinId = s.add('erin');
    // Erin already has a PBX account with extension 2001: she is linked, not duplicated, and 2001 is not reused.
    const upn = m365.emulator.control.getUser({ tenant: s.directoryId, user: erinId }).userPrincipalName;
    await t.createUser(s.pbx.adminToken, s.pbx.tenant.id, {
      extension: '2001',
      displayName: 'Erin Local',
      userPrincipalName: upn,
    });

    const first = await run(s);
    expect(first).toMatchObject({ status: 'SUCCEEDED', mode: 'FULL', trigger: 'MANUAL' });
    expect(first.counts).toMatchObject({
      created: 2,
      linked: 1,
      skipped: 1,
      'outOfScope.guest': 1,
      'outOfScope.account-disabled': 1,
    });
    expect(first.issues).toEqual([
      expect.objectContaining({
        severity: 'skip',
        code: 'NO_NAME',
        userPrincipalName: expect.stringMatching(/^room@/),
      }),
    ]);
    const users = await pbxUsers(s);
    expect(users.map((u) => u.extension).sort()).toEqual(['2000', '2001', '2002']);
    expect(byUpn(users, 'erin')).toMatchObject({
      extension: '2001',
      displayName: 'erin Example',
      enabled: true,
    });
    expect(byUpn(users, 'bob')).toMatchObject({
      department: 'Support',
      firstName: 'bob',
      lastName: 'Example',
    });

    // Nothing changed: one Graph request (the delta link), no writes, same numbers.
    m365.emulator.control.resetCounters();
    const idle = await run(s);
    expect(idle).toMatchObject({ status: 'SUCCEEDED', mode: 'INCREMENTAL', counts: {} });
    expect(idle.graph.requests).toBe(1);
    expect((await pbxUsers(s)).map((u) => `${u.userPrincipalName}:${u.extension}`).sort()).toEqual(
      users.map((u) => `${u.userPrincipalName}:${u.extension}`).sort(),
    );
  });

  it('follows renames, overwrites local edits of owned fields, disables leavers and re-enables them on return', async () => {
    const s = await scenario();
    const alice = s.add('alice');
    const bob = s.add('bob', { department: 'Support' });
    await run(s);
    const before = await pbxUsers(s);
    const aliceBefore = byUpn(before, 'alice');

    m365.emulator.control.updateUser({
      tenant: s.directoryId,
      user: alice,
      changes: { userPrincipalName: `alice.new@${s.directoryId}.example`, jobTitle: 'Head of Sales' },
    });
    const renamed = await run(s);
    expect(renamed).toMatchObject({ mode: 'INCREMENTAL', counts: { updated: 1 } });
    const afterRename = await pbxUsers(s);
    expect(afterRename).toHaveLength(2);
    expect(afterRename.find((u) => u.id === aliceBefore?.id)).toMatchObject({
      extension: aliceBefore?.extension,
      jobTitle: 'Head of Sales',
      userPrincipalName: expect.stringMatching(/^alice\.new@/),
    });

    // A local edit of a field Microsoft 365 owns is overwritten by the next full pass.
    await directory.updateUsers(s.pbx.tenant.id, [
      { id: aliceBefore?.id ?? '', profile: { jobTitle: 'Local edit' } },
    ]);
    expect((await run(s, { full: true })).counts).toMatchObject({ updated: 1 });
    expect((await pbxUsers(s)).find((u) => u.id === aliceBefore?.id)?.jobTitle).toBe('Head of Sales');

    // Department scope: Bob (Support) leaves scope and is disabled by the default policy.
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ departments: ['sales'] })
      .expect(200);
    const scoped = await run(s);
    expect(scoped).toMatchObject({
      mode: 'FULL',
      modeReason: expect.stringMatching(/scope/),
      counts: { disabled: 1 },
    });
    const bobPbx = byUpn(await pbxUsers(s), 'bob');
    expect(bobPbx).toMatchObject({ enabled: false });

    // Back in a synced department: re-enabled, same PBX user and extension.
    m365.emulator.control.moveUserToDepartment({ tenant: s.directoryId, user: bob, department: 'Sales' });
    const back = await run(s);
    expect(back).toMatchObject({ mode: 'INCREMENTAL', counts: { updated: 1, reEnabled: 1 } });
    expect(byUpn(await pbxUsers(s), 'bob')).toMatchObject({
      id: bobPbx?.id,
      extension: bobPbx?.extension,
      enabled: true,
    });
  });

  it('scopes to nested group members and follows membership changes incrementally', async () => {
    const s = await scenario({ leaverPolicy: 'DELETE' });
    const alice = s.add('alice');
    const bob = s.add('bob');
    const carol = s.add('carol');
    const parent = m365.emulator.control.createGroup({
      tenant: s.directoryId,
      group: { displayName: 'Phones' },
    });
    const child = m365.emulator.control.createGroup({
      tenant: s.directoryId,
      group: { displayName: 'Phones EU' },
    });
    m365.emulator.control.addGroupMember({ tenant: s.directoryId, group: parent.id, member: child.id });
    m365.emulator.control.addGroupMember({ tenant: s.directoryId, group: child.id, member: carol });
    m365.emulator.control.addGroupMember({ tenant: s.directoryId, group: parent.id, member: bob });
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ groupIds: [parent.id] })
      .expect(200);

    const first = await run(s);
    expect(first.counts).toMatchObject({ created: 2, 'outOfScope.group': 1 });
    expect((await pbxUsers(s)).map((u) => u.userPrincipalName?.split('@')[0]).sort()).toEqual([
      'bob',
      'carol',
    ]);

    m365.emulator.control.addGroupMember({ tenant: s.directoryId, group: child.id, member: alice });
    m365.emulator.control.removeGroupMember({ tenant: s.directoryId, group: parent.id, member: bob });
    const changed = await run(s);
    expect(changed).toMatchObject({ mode: 'INCREMENTAL', counts: { created: 1, deleted: 1 } });
    expect((await pbxUsers(s)).map((u) => u.userPrincipalName?.split('@')[0]).sort()).toEqual([
      'alice',
      'carol',
    ]);

    // Bob comes back: he gets his old extension again.
    m365.emulator.control.addGroupMember({ tenant: s.directoryId, group: parent.id, member: bob });
    const links = (await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/links`).expect(200)).body as {
      objectId: string;
      extension: string;
      state: string;
    }[];
    const bobLink = links.find((l) => l.objectId === bob);
    expect(bobLink).toMatchObject({ state: 'DELETED' });
    await run(s);
    expect(byUpn(await pbxUsers(s), 'bob')?.extension).toBe(bobLink?.extension);
    expect(alice).toBeTruthy();
  });

  it('holds back mass removals behind the deletion guard until an admin confirms', async () => {
    const s = await scenario({ deletionGuardMaxUsers: 2 });
    const ids = ['a1', 'a2', 'a3', 'a4'].map((name) => s.add(name));
    await run(s);
    for (const id of ids.slice(0, 3)) m365.emulator.control.deleteUser({ tenant: s.directoryId, user: id });

    const guarded = await run(s);
    expect(guarded.status).toBe('SUCCEEDED');
    expect(guarded.stagedRemovals).toMatchObject({
      state: 'PENDING',
      reason: expect.stringMatching(/3 users/),
    });
    expect(guarded.stagedRemovals?.actions).toHaveLength(3);
    expect((await pbxUsers(s)).filter((u) => u.enabled)).toHaveLength(4);

    const dryRun = await run(s, { dryRun: true, full: true });
    expect(dryRun.counts).toMatchObject({ 'planned.disable': 3, deletionGuardWouldTrip: 1 });

    const confirmed = await t
      .as(s.pbx.adminToken)
      .post(`${s.base}/user-sync/runs/${guarded.id}/staged-removals/confirm`)
      .expect(201);
    expect((confirmed.body as RunBody).counts).toMatchObject({ disabled: 3 });
    // The confirmation is a run of its own, and its provisioning log names the users it disabled.
    const confirmedLog = await t
      .as(s.pbx.adminToken)
      .get(`${s.base}/user-sync/provisioning-log`)
      .query({ runId: (confirmed.body as RunBody).id })
      .expect(200);
    expect(
      (confirmedLog.body as { action: string; objectId: string }[]).map((e) => e.objectId).sort(),
    ).toEqual(ids.slice(0, 3).sort());
    expect((await pbxUsers(s)).filter((u) => u.enabled)).toHaveLength(1);
    await t
      .as(s.pbx.adminToken)
      .post(`${s.base}/user-sync/runs/${guarded.id}/staged-removals/confirm`)
      .expect(409);
  });

  it('holds back every synced user leaving at once, however small the tenant', async () => {
    const s = await scenario();
    for (const name of ['u1', 'u2', 'u3', 'u4', 'u5']) s.add(name);
    await run(s);
    // A typo in the department filter: nobody is in scope any more. 5 users are far below both limits (50 users,
    // 20 %, which only counts from 20 synced users), yet all of them leaving at once is held.
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ departments: ['Slaes'] })
      .expect(200);
    const guarded = await run(s);
    expect(guarded.stagedRemovals).toMatchObject({
      state: 'PENDING',
      reason: 'All 5 synced users would be disabled or deleted',
    });
    expect(guarded.counts).toMatchObject({ staged: 5 });
    expect(guarded.counts.disabled).toBeUndefined();
    expect((await pbxUsers(s)).filter((u) => u.enabled)).toHaveLength(5);
    const log = await t
      .as(s.pbx.adminToken)
      .get(`${s.base}/user-sync/provisioning-log`)
      .query({ runId: guarded.id })
      .expect(200);
    expect((log.body as { action: string; reason: string }[]).map((e) => `${e.action}:${e.reason}`)).toEqual(
      Array(5).fill('SKIPPED:deletion-guard'),
    );
  });

  it('answers a dry run with the plan and changes nothing; syncs one user on demand with its steps', async () => {
    const s = await scenario();
    s.add('alice');
    s.add('room', { givenName: ' ', surname: null });
    const dry = await run(s, { dryRun: true });
    expect(dry.plan).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'create', userPrincipalName: expect.stringMatching(/^alice@/) }),
        expect.objectContaining({ action: 'skip', reason: 'no-name' }),
      ]),
    );
    expect(await pbxUsers(s)).toEqual([]);

    const upn = `alice@${m365.emulator.control.getTenant({ tenant: s.directoryId }).domain}`;
    const onDemand = await t
      .as(s.pbx.adminToken)
      .post(`${s.base}/user-sync/on-demand`)
      .send({ userPrincipalName: upn })
      .expect(200);
    expect((onDemand.body as { steps: string[] }).steps).toEqual([
      expect.stringMatching(/^Found alice@/),
      expect.stringMatching(/^Created PBX user with extension 1000$/),
    ]);
    await t
      .as(s.pbx.adminToken)
      .post(`${s.base}/user-sync/on-demand`)
      .send({ userPrincipalName: 'nobody@nowhere.example' })
      .expect(404);
  });

  it('allows one run per tenant at a time, falls back to a full run on an expired delta link, rides out throttling', async () => {
    const s = await scenario();
    for (let i = 0; i < 5; i++) s.add(`user${i}`);
    await run(s);

    m365.emulator.control.setFaults({ latency: { fixedMs: 300, jitterMs: 0 } });
    const [a, b] = await Promise.all([
      t.as(s.pbx.adminToken).post(`${s.base}/user-sync/runs`).send({ full: true }),
      t.as(s.pbx.adminToken).post(`${s.base}/user-sync/runs`).send({ full: true }),
    ]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    const winner = a.status === 202 ? a : b;
    m365.emulator.control.setFaults({ latency: { fixedMs: 0, jitterMs: 0 } });
    await waitFor(s, (winner.body as RunBody).id);

    m365.emulator.control.expireDeltaTokens({ tenant: s.directoryId });
    const expired = await run(s);
    expect(expired).toMatchObject({
      status: 'SUCCEEDED',
      mode: 'FULL',
      modeReason: expect.stringMatching(/expired/),
    });

    m365.emulator.control.throttleNext({ count: 2, route: '^/v1.0/users$', retryAfterSeconds: 1 });
    const throttled = await run(s, { full: true });
    expect(throttled.status).toBe('SUCCEEDED');
    expect(throttled.graph.throttled).toBe(2);
    expect(throttled.graph.waitedMs).toBeGreaterThanOrEqual(2_000);
    expect(await pbxUsers(s)).toHaveLength(5);
  });

  it('converges without duplicates after a crash between pages', async () => {
    const s = await scenario();
    for (let i = 0; i < 1_050; i++) s.add(`bulk${i}`);
    const createUsers = directory.createUsers.bind(directory);
    let calls = 0;
    const spy = jest.spyOn(directory, 'createUsers').mockImplementation(async (tenantId, users) => {
      calls++;
      if (calls === 2) throw new Error('the PBX process died');
      return createUsers(tenantId, users);
    });
    const crashed = await run(s);
    spy.mockRestore();
    expect(crashed).toMatchObject({ status: 'FAILED', error: { code: 'INTERNAL' } });
    expect(await pbxUsers(s)).toHaveLength(999);

    const recovered = await run(s);
    expect(recovered).toMatchObject({
      status: 'SUCCEEDED',
      mode: 'FULL',
      counts: { created: 51, unchanged: 999 },
    });
    const users = await pbxUsers(s);
    expect(users).toHaveLength(1_050);
    expect(new Set(users.map((u) => u.extension)).size).toBe(1_050);
    expect(new Set(users.map((u) => u.userPrincipalName)).size).toBe(1_050);
  });

  it('copies photos once and downloads them again only when they change', async () => {
    const s = await scenario({ syncPhotos: true });
    const alice = s.add('alice');
    s.add('bob');
    m365.emulator.control.setPhoto({
      tenant: s.directoryId,
      user: alice,
      jpegBase64: TINY_JPEG,
      width: 1,
      height: 1,
    });
    const first = await run(s);
    expect(first.counts).toMatchObject({ created: 2, photos: 2 });
    const aliceUser = byUpn(await pbxUsers(s), 'alice');
    const photo = await t
      .as(s.pbx.adminToken)
      .get(`/api/tenants/${s.pbx.tenant.id}/users/${aliceUser?.id}/photo`);
    expect(photo.status).toBe(200);

    m365.emulator.control.resetCounters();
    const again = await run(s, { full: true });
    expect(again.counts.photos ?? 0).toBe(0);
    const routes = Object.keys(m365.emulator.control.getCounters().byRoute);
    expect(routes.some((route) => route.includes('$value'))).toBe(false);

    m365.emulator.control.removePhoto({ tenant: s.directoryId, user: alice });
    expect((await run(s, { full: true })).counts).toMatchObject({ photos: 1 });
    expect(
      (await t.as(s.pbx.adminToken).get(`/api/tenants/${s.pbx.tenant.id}/users/${aliceUser?.id}/photo`))
        .status,
    ).toBe(404);
  });

  it('binds and unbinds PBX users by hand; an unbound account is left alone', async () => {
    const s = await scenario({ linkExistingUsers: false });
    const alice = s.add('alice');
    const local = await t.createUser(s.pbx.adminToken, s.pbx.tenant.id, { extension: '3000' });
    await t
      .as(s.pbx.adminToken)
      .post(`${s.base}/user-sync/links`)
      .send({ pbxUserId: local.user.id, microsoft365User: alice })
      .expect(201);
    await run(s);
    let users = await pbxUsers(s);
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ id: local.user.id, extension: '3000', firstName: 'alice' });

    await t.as(s.pbx.adminToken).delete(`${s.base}/user-sync/links/${alice}`).expect(204);
    const after = await run(s, { full: true });
    expect(after.counts).toMatchObject({ skipped: 1 });
    users = await pbxUsers(s);
    expect(users).toHaveLength(1);
  });

  it('registers the schedule in the tenant time zone and runs on its tick', async () => {
    const s = await scenario();
    s.add('alice');
    const saved = await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ scheduleEnabled: true, scheduleCron: '30 2 * * *', scheduleTimeZone: 'Europe/Berlin' })
      .expect(200);
    expect((saved.body as { nextScheduledRunAt: string }).nextScheduledRunAt).toMatch(/T0[01]:30:00/);
    // The slot waits as a job; its time comes, and a worker runs it.
    const slot = await waitingJob(t.orm, `schedule:USERS:${s.pbx.tenant.id}`);
    expect(slot?.data).toMatchObject({ reason: 'schedule', schedule: '30 2 * * * @ Europe/Berlin' });
    expect(slot?.data.slot).toMatch(/T0[01]:30:00/);
    await runWaitingJobNow(t.orm, `schedule:USERS:${s.pbx.tenant.id}`);
    const history = (await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/runs`).expect(200))
      .body as RunBody[];
    expect(history[0]).toMatchObject({ trigger: 'SCHEDULE', status: 'SUCCEEDED', counts: { created: 1 } });
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ scheduleEnabled: false })
      .expect(200);
    // The run queued the next slot; switched off, it no longer waits.
    expect(await waitingJob(t.orm, `schedule:USERS:${s.pbx.tenant.id}`)).toBeNull();
  });

  it('rejects bad settings with the field and reason, and keeps tenants apart', async () => {
    const s = await scenario();
    const bad = await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({
        extensionStart: '0123',
        scheduleCron: 'every day',
        scheduleTimeZone: 'Mars/Olympus',
        groupIds: ['not-a-guid'],
        leaverPolicy: 'EXPLODE',
        deletionGuardMaxPercent: 101,
      })
      .expect(400);
    const fields = (bad.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(
      [
        'deletionGuardMaxPercent',
        'extensionStart',
        'groupIds',
        'leaverPolicy',
        'scheduleCron',
        'scheduleTimeZone',
      ].sort(),
    );
    const range = await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ extensionStart: '5000', extensionEnd: '4000' })
      .expect(400);
    expect(JSON.stringify(range.body)).toContain('extensionEnd must not be below extensionStart');
    await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/runs/not-a-uuid`).expect(400);

    const other = await scenario();
    await t.as(other.pbx.adminToken).get(`${s.base}/user-sync/settings`).expect(403);
    await t.as(other.pbx.adminToken).post(`${s.base}/user-sync/runs`).send({}).expect(403);
    const mine = await run(s);
    await t.as(other.pbx.adminToken).get(`${other.base}/user-sync/runs/${mine.id}`).expect(404);
  });
});
