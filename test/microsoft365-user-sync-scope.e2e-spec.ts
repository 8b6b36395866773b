import { PBX_DIRECTORY, type PbxDirectoryPort, type PbxDirectoryUser } from '@pbx/microsoft365';
import { runWaitingJobNow, waitingJob } from '@pbx/test/support/jobs';
import { createAnotherInstance, type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  type DirectoryScenario as Scenario,
  FAST_GRAPH_RETRIES,
  resetEmulatorFaults,
  runToEnd,
  startSyncTestApp,
  syncedPbxUsers,
} from '@pbx/test/support/directory-scenario';
import { type EmulatedMicrosoft365 } from '@pbx/test/support/microsoft365-test-env';

interface RunBody {
  id: string;
  status: string;
  mode: string;
  trigger: string;
  counts: Record<string, number>;
  progress: { pagesRead: number; usersRead: number; usersProcessed: number };
  plan?: { action: string; objectId: string; extension?: string }[] | null;
  issues: {
    objectId: string;
    userPrincipalName: string | null;
    severity: string;
    code: string;
    message: string;
  }[];
  stagedRemovals: {
    state: string;
    reason: string;
    actions: { action: string; objectId: string }[];
    decidedAt?: string;
    decidedBy?: string;
    supersededBy?: string;
  } | null;
}

interface SettingsBody {
  scheduleTimeZone: string;
  scheduleTimeZoneSetting: string | null;
  nextScheduledRunAt: string | null;
}

/**
 * Scope, numbering, leavers, the deletion guard, progress and schedules of the user sync, end to end against the
 * emulator over HTTPS and real PostgreSQL (the companion of microsoft365-user-sync.e2e-spec.ts).
 */
describe('Microsoft 365 user sync: scope, leavers, guard, progress, schedules', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let directory: PbxDirectoryPort;
  let systemToken: string;
  let scenarios = 0;

  beforeAll(async () => {
    ({ m365, t } = await startSyncTestApp({ graphRetries: FAST_GRAPH_RETRIES }));
    directory = t.get<PbxDirectoryPort>(PBX_DIRECTORY);
    systemToken = await t.loginAsSystemAdmin();
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  afterEach(() => resetEmulatorFaults(m365));

  async function scenario(settings: Record<string, unknown> = {}): Promise<Scenario> {
    scenarios++;
    return createDirectoryScenario(t, m365, {
      seed: `user-sync-scope-${scenarios}`,
      domain: `scope${scenarios}.onmicrosoft.com`,
      permissions: ['User.Read.All', 'GroupMember.Read.All'],
      systemToken,
      settings,
    });
  }

  const settings = (s: Scenario, body: Record<string, unknown>) =>
    t.as(s.pbx.adminToken).patch(`${s.base}/user-sync/settings`).send(body).expect(200);

  const run = (s: Scenario, body: Record<string, unknown> = {}) => runToEnd<RunBody>(t, s, 'user-sync', body);

  async function getRun(s: Scenario, runId: string): Promise<RunBody> {
    return (await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/runs/${runId}`).expect(200))
      .body as RunBody;
  }

  const pbxUsers = (s: Scenario): Promise<PbxDirectoryUser[]> => syncedPbxUsers(directory, s);

  /** `name:extension:enabled` of every synced PBX user, sorted. */
  async function summary(s: Scenario): Promise<string[]> {
    return (await pbxUsers(s))
      .map((u) => `${u.userPrincipalName?.split('@')[0] ?? '?'}:${u.extension}:${u.enabled ? 'on' : 'off'}`)
      .sort();
  }

  async function onDemand(s: Scenario, name: string): Promise<{ objectId: string; steps: string[] }> {
    const response = await t
      .as(s.pbx.adminToken)
      .post(`${s.base}/user-sync/on-demand`)
      .send({ userPrincipalName: `${name}@${s.domain}` })
      .expect(200);
    return response.body as { objectId: string; steps: string[] };
  }

  it('on demand, applies the group scope: a non-member is not created, a nested-group member is', async () => {
    const s = await scenario();
    const carol = s.add('carol');
    s.add('outsider');
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
    await settings(s, { groupIds: [parent.id] });

    const outside = await onDemand(s, 'outsider');
    expect(outside.steps).toEqual([
      expect.stringMatching(/^Found outsider@/),
      'Out of the sync scope: group',
    ]);
    expect(await pbxUsers(s)).toEqual([]);

    const nested = await onDemand(s, 'carol');
    expect(nested.steps).toEqual([
      expect.stringMatching(/^Found carol@/),
      'Created PBX user with extension 1000',
    ]);
    expect(await summary(s)).toEqual(['carol:1000:on']);

    // The next full run agrees with what on-demand did: nothing to create, nothing to disable.
    const full = await run(s, { full: true });
    expect(full.counts).toMatchObject({ unchanged: 1, 'outOfScope.group': 1 });
    expect(full.counts.disabled ?? 0).toBe(0);
    expect(await summary(s)).toEqual(['carol:1000:on']);
  });

  it('stops at the end of the extension range, skips numbers the PBX uses, reports a full range per user', async () => {
    const s = await scenario({ extensionStart: '500', extensionEnd: '502' });
    // The PBX already uses 501 (a local user): it is never handed out.
    await t.createUser(s.pbx.adminToken, s.pbx.tenant.id, { extension: '501' });
    for (const name of ['u1', 'u2', 'u3', 'u4']) s.add(name);

    const first = await run(s);
    expect(first.status).toBe('COMPLETED_WITH_ERRORS');
    expect(first.counts).toMatchObject({ created: 2, failed: 2 });
    const rangeFull = first.issues.filter((i) => i.code === 'EXTENSION_RANGE_FULL');
    expect(rangeFull).toHaveLength(2);
    expect(rangeFull[0]).toMatchObject({ severity: 'error', message: expect.stringMatching(/range/) });
    const synced = (await pbxUsers(s)).filter((u) => u.extension !== '501');
    expect(synced.map((u) => u.extension).sort()).toEqual(['500', '502']);

    // A wider range lets the next run create the two that failed, with the next numbers, and nobody twice.
    await settings(s, { extensionEnd: '509' });
    const second = await run(s);
    expect(second).toMatchObject({ status: 'SUCCEEDED', counts: { created: 2, unchanged: 2 } });
    const all = (await pbxUsers(s)).filter((u) => u.extension !== '501');
    expect(all.map((u) => u.extension).sort()).toEqual(['500', '502', '503', '504']);
    expect(new Set(all.map((u) => u.userPrincipalName)).size).toBe(4);
  });

  it('plans a full range in a dry run as the real run ends, and warns when a saved range overlaps used numbers', async () => {
    const s = await scenario();
    // Every number of the range is in use in the PBX.
    for (const extension of ['600', '601'])
      await t.createUser(s.pbx.adminToken, s.pbx.tenant.id, { extension });
    const saved = (await settings(s, { extensionStart: '600', extensionEnd: '602' })).body as {
      warnings: string[];
    };
    expect(saved.warnings).toEqual([expect.stringMatching(/600–602 overlaps 2 number\(s\).*: 1 are free/)]);
    await t.createUser(s.pbx.adminToken, s.pbx.tenant.id, { extension: '602' });
    const full = (await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/settings`).expect(200)).body as {
      warnings: string[];
    };
    expect(full.warnings).toEqual([expect.stringMatching(/overlaps 3 number\(s\).*: 0 are free/)]);
    for (const name of ['u1', 'u2']) s.add(name);

    const dry = await run(s, { dryRun: true });
    expect(dry.status).toBe('COMPLETED_WITH_ERRORS');
    expect(dry.counts).toMatchObject({ 'planned.failed': 2 });
    expect(dry.counts['planned.create'] ?? 0).toBe(0);
    const planned = dry.issues.filter((i) => i.code === 'EXTENSION_RANGE_FULL');
    expect(planned).toHaveLength(2);

    // The real run ends as the dry run said, user for user; and the dry run wrote nothing.
    const real = await run(s);
    expect(real.status).toBe('COMPLETED_WITH_ERRORS');
    const failed = real.issues.filter((i) => i.code === 'EXTENSION_RANGE_FULL');
    expect(failed.map((i) => i.userPrincipalName).sort()).toEqual(
      planned.map((i) => i.userPrincipalName).sort(),
    );
    expect(failed.map((i) => i.message)).toEqual(planned.map((i) => i.message));

    // With one number free, the dry run plans that number for one user and the range-full issue for the other.
    await settings(s, { extensionEnd: '603' });
    const next = await run(s, { dryRun: true });
    expect(next.counts).toMatchObject({ 'planned.create': 1, 'planned.failed': 1 });
    expect(next.plan).toEqual([expect.objectContaining({ action: 'create', extension: '603' })]);
  });

  it('keeps leavers under the KEEP policy: the PBX user stays enabled and keeps its extension', async () => {
    const s = await scenario({ leaverPolicy: 'KEEP' });
    const alice = s.add('alice');
    s.add('bob');
    await run(s);
    m365.emulator.control.deleteUser({ tenant: s.directoryId, user: alice });

    const after = await run(s);
    expect(after).toMatchObject({ status: 'SUCCEEDED', counts: { kept: 1 } });
    expect(after.counts.disabled ?? 0).toBe(0);
    expect(await summary(s)).toEqual(['alice:1000:on', 'bob:1001:on']);
    const links = (await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/links`).expect(200)).body as {
      objectId: string;
      state: string;
    }[];
    expect(links.find((l) => l.objectId === alice)).toMatchObject({ state: 'KEPT' });
  });

  it('drops staged removals an admin rejects; the percentage limit trips on its own', async () => {
    // 6 of 25 synced users is 24%: above the 20% limit, far below the absolute limit. (The percentage rule
    // applies from 20 synced users on: one leaver of three is no mass removal.)
    const s = await scenario({ deletionGuardMaxUsers: 1000, deletionGuardMaxPercent: 20 });
    const ids = Array.from({ length: 25 }, (_, i) => s.add(`p${i}`));
    await run(s);
    for (const id of ids.slice(0, 6)) m365.emulator.control.deleteUser({ tenant: s.directoryId, user: id });

    const guarded = await run(s);
    expect(guarded.stagedRemovals).toMatchObject({
      state: 'PENDING',
      reason: expect.stringMatching(/6 of 25 synced users \(24%\).*20%/),
    });
    expect((await pbxUsers(s)).filter((u) => u.enabled)).toHaveLength(25);

    const rejected = await t
      .as(s.pbx.adminToken)
      .post(`${s.base}/user-sync/runs/${guarded.id}/staged-removals/reject`)
      .expect(201);
    expect((rejected.body as RunBody).stagedRemovals).toMatchObject({
      state: 'REJECTED',
      decidedBy: expect.any(String),
      decidedAt: expect.any(String),
    });
    expect((await pbxUsers(s)).filter((u) => u.enabled)).toHaveLength(25);
    await t
      .as(s.pbx.adminToken)
      .post(`${s.base}/user-sync/runs/${guarded.id}/staged-removals/confirm`)
      .expect(409);

    // Rejected means not now: the next full run finds the six gone again, and under a 50% limit applies it.
    await settings(s, { deletionGuardMaxPercent: 50 });
    const applied = await run(s, { full: true });
    expect(applied).toMatchObject({ stagedRemovals: null, counts: { disabled: 6 } });
  });

  it('marks pending staged removals superseded when a later full run decides afresh, and keeps them in history', async () => {
    const s = await scenario({ deletionGuardMaxUsers: 1 });
    const ids = ['s1', 's2', 's3'].map((name) => s.add(name));
    await run(s);
    for (const id of ids.slice(0, 2)) m365.emulator.control.deleteUser({ tenant: s.directoryId, user: id });
    const guarded = await run(s);
    expect(guarded.stagedRemovals?.state).toBe('PENDING');

    const later = await run(s, { full: true });
    expect(later.stagedRemovals?.state).toBe('PENDING');
    const earlier = await getRun(s, guarded.id);
    expect(earlier.stagedRemovals).toMatchObject({
      state: 'SUPERSEDED',
      supersededBy: later.id,
      decidedAt: expect.any(String),
      actions: guarded.stagedRemovals?.actions,
    });
    const stale = await t
      .as(s.pbx.adminToken)
      .post(`${s.base}/user-sync/runs/${guarded.id}/staged-removals/confirm`)
      .expect(409);
    expect(JSON.stringify(stale.body)).toMatch(/superseded/);
    // The newest staging still waits for its decision.
    await t
      .as(s.pbx.adminToken)
      .post(`${s.base}/user-sync/runs/${later.id}/staged-removals/confirm`)
      .expect(201);
  });

  it('brings guests in with includeGuests, and lets them go again without it', async () => {
    const s = await scenario();
    s.add('member');
    s.add('visitor', { userType: 'Guest' });
    expect((await run(s)).counts).toMatchObject({ created: 1, 'outOfScope.guest': 1 });

    await settings(s, { includeGuests: true });
    const withGuests = await run(s);
    expect(withGuests).toMatchObject({ mode: 'FULL', counts: { created: 1, unchanged: 1 } });
    expect(await summary(s)).toEqual(['member:1000:on', 'visitor:1001:on']);

    await settings(s, { includeGuests: false });
    expect((await run(s)).counts).toMatchObject({ disabled: 1 });
    expect(await summary(s)).toEqual(['member:1000:on', 'visitor:1001:off']);
  });

  it('includes and excludes selected users by UPN and by object id', async () => {
    const s = await scenario();
    s.add('ann');
    const benId = s.add('ben');
    s.add('cid');
    await settings(s, {
      selectionMode: 'INCLUDE',
      // Case does not matter for UPNs; object ids are matched as they are.
      selectedUsers: [`ANN@${s.domain.toUpperCase()}`, benId],
    });
    const included = await run(s);
    expect(included.counts).toMatchObject({ created: 2, 'outOfScope.not-selected': 1 });
    expect(await summary(s)).toEqual(['ann:1000:on', 'ben:1001:on']);

    await settings(s, { selectionMode: 'EXCLUDE', selectedUsers: [`ann@${s.domain}`, benId] });
    const excluded = await run(s);
    expect(excluded.counts).toMatchObject({ created: 1, disabled: 2, 'outOfScope.excluded': 2 });
    expect(await summary(s)).toEqual(['ann:1000:off', 'ben:1001:off', 'cid:1002:on']);
  });

  it('shows the progress of a running run: pages read and users processed', async () => {
    const s = await scenario();
    for (let i = 0; i < 1_100; i++) s.add(`bulk${i}`);
    // Each page of /users takes 3 s: the first page is applied long before the second arrives.
    m365.emulator.control.setFaults({
      routePattern: '^/v1.0/users$',
      latency: { fixedMs: 3_000, jitterMs: 0 },
    });
    const started = await t.as(s.pbx.adminToken).post(`${s.base}/user-sync/runs`).send({}).expect(202);
    const runId = (started.body as RunBody).id;
    const seen: RunBody['progress'][] = [];
    let body: RunBody;
    for (;;) {
      body = await getRun(s, runId);
      if (body.status !== 'RUNNING') break;
      seen.push(body.progress);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(seen[0]).toEqual({ pagesRead: 0, usersRead: 0, usersProcessed: 0 });
    // Half-way: the first page of 999 users read and applied, the second still on its way.
    expect(seen).toContainEqual({ pagesRead: 1, usersRead: 999, usersProcessed: 999 });
    expect(body).toMatchObject({
      status: 'SUCCEEDED',
      progress: { pagesRead: 2, usersRead: 1_100, usersProcessed: 1_100 },
      counts: { created: 1_100 },
    });
  }, 60_000);

  it("runs the schedule in the PBX tenant's time zone unless the admin chose one", async () => {
    const s = await scenario();
    const key = `schedule:USERS:${s.pbx.tenant.id}`;
    // The test harness creates tenants in Europe/Berlin; no time zone is sent.
    const saved = (await settings(s, { scheduleEnabled: true, scheduleCron: '30 2 * * *' }))
      .body as SettingsBody;
    expect(saved).toMatchObject({ scheduleTimeZone: 'Europe/Berlin', scheduleTimeZoneSetting: null });
    // 02:30 in Berlin is 00:30 or 01:30 UTC (summer or winter time).
    expect(saved.nextScheduledRunAt).toMatch(/T0[01]:30:00/);

    const chosen = (await settings(s, { scheduleTimeZone: 'Asia/Tokyo' })).body as SettingsBody;
    expect(chosen).toMatchObject({ scheduleTimeZone: 'Asia/Tokyo', scheduleTimeZoneSetting: 'Asia/Tokyo' });
    expect(chosen.nextScheduledRunAt).toMatch(/T17:30:00/);

    const reset = (await settings(s, { scheduleTimeZone: null })).body as SettingsBody;
    expect(reset).toMatchObject({ scheduleTimeZone: 'Europe/Berlin', scheduleTimeZoneSetting: null });

    // The PBX tenant moves: the view follows at once, and reading it moves the waiting slot to the new zone.
    await t
      .as(systemToken)
      .patch(`/api/tenants/${s.pbx.tenant.id}`)
      .send({ timeZone: 'America/New_York' })
      .expect(200);
    const shown = (await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/settings`).expect(200))
      .body as SettingsBody;
    expect(shown.scheduleTimeZone).toBe('America/New_York');
    expect(shown.nextScheduledRunAt).toMatch(/T0[67]:30:00/);
    expect((await waitingJob(t.orm, key))?.data).toMatchObject({ schedule: '30 2 * * * @ America/New_York' });
    expect((await waitingJob(t.orm, key))?.data.slot).toMatch(/T0[67]:30:00/);
  });

  it('a schedule saved through one instance is followed by every instance at once, and its slot runs once', async () => {
    const s = await scenario({ scheduleEnabled: true, scheduleCron: '0 3 * * *', scheduleTimeZone: 'UTC' });
    s.add('alice');
    const key = `schedule:USERS:${s.pbx.tenant.id}`;
    const second = await createAnotherInstance(t, { microsoft365: m365.moduleOptions });
    try {
      expect((await waitingJob(t.orm, key))?.data.slot).toMatch(/T03:00:00/);
      // Changed through the first instance; the second shows and runs the new slot with no reconcile or poll.
      await settings(s, { scheduleCron: '15 4 * * *' });
      expect((await waitingJob(t.orm, key))?.data).toMatchObject({ schedule: '15 4 * * * @ UTC' });
      const shownBySecond = (
        await second.as(s.pbx.adminToken).get(`${s.base}/user-sync/settings`).expect(200)
      ).body as SettingsBody;
      expect(shownBySecond.nextScheduledRunAt).toMatch(/T04:15:00/);
      await runWaitingJobNow(t.orm, key);
      const ran = (await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/runs`).expect(200))
        .body as RunBody[];
      expect(ran).toEqual([expect.objectContaining({ trigger: 'SCHEDULE', status: 'SUCCEEDED' })]);
      expect(ran[0]).toMatchObject({ counts: { created: 1 } });

      // Switched off through the first instance: no slot waits, for either instance.
      await settings(s, { scheduleEnabled: false });
      expect(await waitingJob(t.orm, key)).toBeNull();
    } finally {
      await second.close();
    }
  }, 60_000);
});
