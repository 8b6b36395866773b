import { PBX_DIRECTORY, PBX_GROUPS, type PbxDirectoryPort, type PbxGroupsPort } from '@pbx/microsoft365';
import { type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  type DirectoryScenario as Scenario,
  FAST_GRAPH_RETRIES,
  fastGraphRetries,
  runToEnd,
  startSyncTestApp,
  syncedPbxUsers,
} from '@pbx/test/support/directory-scenario';
import { createTestApp } from '@pbx/test/support/create-test-app';
import {
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';

interface RunBody {
  id: string;
  status: string;
  mode: string;
  dryRun: boolean;
  counts: Record<string, number>;
  issues: { objectId: string; severity: string; code: string; message: string }[];
  plan?: { action: string; objectId: string; name?: string }[] | null;
  error: {
    code: string;
    message: string;
    action?: string;
    microsoft?: { status?: number; code?: string };
  } | null;
}

interface LogEntry {
  runId: string;
  action: string;
  objectId: string;
  pbxUserId: string | null;
  reason: string | null;
  message: string | null;
  changes: { field: string; from: unknown; to: unknown }[] | null;
}

interface RingGroupBody {
  id: string;
  name: string;
  enabled: boolean;
  memberUserIds: string[];
  externalId: string | null;
}

/**
 * Entra groups → the reference PBX's ring groups, end to end against the emulator over HTTPS and real PostgreSQL:
 * nested members, the user sync's links, the groups delta (renames, members), leaver policies and refusals.
 */
describe('Microsoft 365 group sync', () => {
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

  async function scenario(
    permissions: string[] = ['User.Read.All', 'GroupMember.Read.All'],
  ): Promise<Scenario> {
    scenarios++;
    return createDirectoryScenario(t, m365, {
      seed: `groups-${scenarios}`,
      domain: `groups${scenarios}.onmicrosoft.com`,
      permissions,
      systemToken,
      tenantSettings: { features: { userSync: true, groupSync: true } },
    });
  }

  const control = () => m365.emulator.control;
  const group = (s: Scenario, displayName: string, members: string[] = []) => {
    const created = control().createGroup({ tenant: s.directoryId, group: { displayName } });
    for (const member of members)
      control().addGroupMember({ tenant: s.directoryId, group: created.id, member });
    return created.id;
  };
  const groupSettings = (s: Scenario, body: Record<string, unknown>) =>
    t.as(s.pbx.adminToken).patch(`${s.base}/group-sync/settings`).send(body);
  const runGroups = (s: Scenario, body: Record<string, unknown> = {}) =>
    runToEnd<RunBody>(t, s, 'group-sync', body);

  /** `name[:off] = member names` of the tenant's ring groups, by name. */
  async function ringGroups(s: Scenario): Promise<string[]> {
    const names = new Map(
      (await syncedPbxUsers(directory, s)).map((u) => [u.id, u.userPrincipalName?.split('@')[0] ?? '?']),
    );
    const response = await t
      .as(s.pbx.adminToken)
      .get(`/api/tenants/${s.pbx.tenant.id}/ring-groups`)
      .expect(200);
    return (response.body as RingGroupBody[]).map(
      (g) =>
        `${g.name}${g.enabled ? '' : ':off'} = ${g.memberUserIds
          .map((id) => names.get(id) ?? id)
          .sort()
          .join(',')}`,
    );
  }

  /** The group sync's provisioning log with these filters, newest first. */
  const logOf = async (s: Scenario, query: Record<string, string> = {}): Promise<LogEntry[]> =>
    (await t.as(s.pbx.adminToken).get(`${s.base}/group-sync/provisioning-log`).query(query).expect(200))
      .body as LogEntry[];

  /** Graph requests by route since the last reset, 2xx or not. */
  function graphRequests(): Record<string, number> {
    return Object.fromEntries(
      Object.entries(control().getCounters().byRoute)
        .filter(([route]) => route.includes('/groups'))
        .map(([route, statuses]) => [route, Object.values(statuses).reduce((a, b) => a + b, 0)]),
    );
  }

  it('makes a selected group a ring group of its synced members, nested groups included, and follows the delta', async () => {
    const s = await scenario();
    const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((name) => s.add(name));
    // dave is a member but not synced to the PBX by the user sync: skipped with the reason.
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ selectionMode: 'EXCLUDE', selectedUsers: [s.upn('dave')] })
      .expect(200);
    const salesEu = group(s, 'Sales EU', [bob!, dave!]);
    const sales = group(s, 'Sales', [alice!, salesEu]);
    const support = group(s, 'Support', [carol!]);
    await groupSettings(s, { groupIds: [sales, support], schedule: 'OFF' }).expect(200);
    expect((await runToEnd<RunBody>(t, s, 'user-sync')).status).toBe('SUCCEEDED');

    const dry = await runGroups(s, { dryRun: true });
    expect(dry).toMatchObject({ status: 'SUCCEEDED', dryRun: true, mode: 'FULL' });
    expect(dry.plan?.filter((line) => line.action === 'CREATE').map((line) => line.name)).toEqual(
      expect.arrayContaining(['Sales', 'Support']),
    );
    expect(await ringGroups(s)).toEqual([]);

    const first = await runGroups(s);
    expect(first).toMatchObject({ status: 'SUCCEEDED', mode: 'FULL' });
    expect(first.counts).toMatchObject({ 'groups.created': 2, 'members.skipped': 1 });
    expect(first.issues).toEqual([
      expect.objectContaining({ objectId: dave, severity: 'skip', code: 'NOT_SYNCED' }),
    ]);
    expect(await ringGroups(s)).toEqual(['Sales = alice,bob', 'Support = carol']);

    // A rename and a direct member of a group without nested groups come with the delta alone; a member leaving
    // a nested group has that group's members listed again (one request), nothing else is read.
    control().updateGroup({
      tenant: s.directoryId,
      group: support,
      changes: { displayName: 'Support Desk' },
    });
    control().addGroupMember({ tenant: s.directoryId, group: support, member: alice! });
    control().removeGroupMember({ tenant: s.directoryId, group: salesEu, member: bob! });
    control().resetCounters();
    const changed = await runGroups(s);
    expect(changed).toMatchObject({ status: 'SUCCEEDED', mode: 'INCREMENTAL' });
    expect(changed.counts).toMatchObject({ 'groups.updated': 2, 'groups.read': 1 });
    expect(graphRequests()).toEqual({
      'GET /v1.0/groups/delta': 1,
      'GET /v1.0/groups/{id}/transitiveMembers': 1,
    });
    expect(await ringGroups(s)).toEqual(['Sales = alice', 'Support Desk = alice,carol']);

    // Nothing changed: one groups delta request, nothing written.
    control().resetCounters();
    const idle = await runGroups(s);
    expect(idle.counts).toMatchObject({ 'groups.unchanged': 2 });
    expect(graphRequests()).toEqual({ 'GET /v1.0/groups/delta': 1 });
  });

  it('follows the leaver policy for a group deleted in Entra (disable) and a deselected one (delete)', async () => {
    const s = await scenario();
    const erin = s.add('erin');
    const night = group(s, 'Night shift', [erin]);
    const day = group(s, 'Day shift', [erin]);
    await groupSettings(s, { groupIds: [night, day], schedule: 'OFF', leaverPolicy: 'DISABLE' }).expect(200);
    await runToEnd<RunBody>(t, s, 'user-sync');
    await runGroups(s);
    expect(await ringGroups(s)).toEqual(['Day shift = erin', 'Night shift = erin']);

    control().deleteGroup({ tenant: s.directoryId, group: night });
    const deleted = await runGroups(s);
    expect(deleted.counts).toMatchObject({ 'groups.disabled': 1, 'groups.unchanged': 1 });
    expect(await ringGroups(s)).toEqual(['Day shift = erin', 'Night shift:off = erin']);

    await groupSettings(s, { groupIds: [night], leaverPolicy: 'DELETE' }).expect(200);
    const deselected = await runGroups(s);
    expect(deselected.counts).toMatchObject({ 'groups.deleted': 1 });
    expect(deselected.plan).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'DELETE', objectId: day, reason: 'DESELECTED' }),
      ]),
    );
    // The disabled group left before the policy changed: it is not deleted after the fact.
    expect(await ringGroups(s)).toEqual(['Night shift:off = erin']);
  });

  it('writes each group action to the provisioning log, readable with its filters', async () => {
    const s = await scenario();
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((name) => s.add(name));
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ selectionMode: 'EXCLUDE', selectedUsers: [s.upn('carol')] })
      .expect(200);
    const sales = group(s, 'Sales', [alice!, carol!]);
    const support = group(s, 'Support', [bob!]);
    const ghost = '00000000-0000-4000-8000-00000000abcd';
    await groupSettings(s, {
      groupIds: [sales, support, ghost],
      schedule: 'OFF',
      leaverPolicy: 'DISABLE',
    }).expect(200);
    await runToEnd<RunBody>(t, s, 'user-sync');
    const pbxIds = new Map((await syncedPbxUsers(directory, s)).map((u) => [u.userPrincipalName, u.id]));

    // A dry run plans only: nothing in the log.
    await runGroups(s, { dryRun: true });
    expect(await logOf(s)).toEqual([]);

    const first = await runGroups(s);
    const created = await logOf(s, { runId: first.id, action: 'CREATED' });
    expect(created.map((e) => e.objectId).sort()).toEqual([sales, support].sort());
    expect(created.find((e) => e.objectId === sales)).toMatchObject({
      message: expect.stringContaining('"Sales"') as unknown,
      changes: [
        { field: 'name', from: null, to: 'Sales' },
        { field: 'membersAdded', from: null, to: [pbxIds.get(s.upn('alice'))] },
      ],
    });
    expect(await logOf(s, { runId: first.id, action: 'SKIPPED' })).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ objectId: carol, reason: 'not-synced' }),
        expect.objectContaining({ objectId: ghost, reason: 'group-not-found' }),
      ]),
    );
    // The filters: by object id, the skipped member alone.
    expect(await logOf(s, { objectId: carol! })).toEqual([
      expect.objectContaining({ action: 'SKIPPED', runId: first.id, reason: 'not-synced' }),
    ]);

    // Renamed, a member added and one removed.
    control().updateGroup({ tenant: s.directoryId, group: sales, changes: { displayName: 'Sales EMEA' } });
    control().addGroupMember({ tenant: s.directoryId, group: sales, member: bob! });
    control().removeGroupMember({ tenant: s.directoryId, group: support, member: bob! });
    const changed = await runGroups(s);
    const updated = await logOf(s, { runId: changed.id, action: 'UPDATED' });
    expect(updated.find((e) => e.objectId === sales)?.changes).toEqual([
      { field: 'name', from: 'Sales', to: 'Sales EMEA' },
      { field: 'membersAdded', from: null, to: [pbxIds.get(s.upn('bob'))] },
    ]);
    expect(updated.find((e) => e.objectId === support)?.changes).toEqual([
      { field: 'membersRemoved', from: [pbxIds.get(s.upn('bob'))], to: null },
    ]);

    // Removed by the leaver policy, with the reason.
    control().deleteGroup({ tenant: s.directoryId, group: support });
    const left = await runGroups(s);
    expect(await logOf(s, { runId: left.id, objectId: support })).toEqual([
      expect.objectContaining({ action: 'DISABLED', reason: 'deleted-in-entra' }),
    ]);

    // An idle run logs no group (the missing group is said again: the admin has something to fix).
    const idle = await runGroups(s);
    expect((await logOf(s, { runId: idle.id })).map((e) => `${e.action} ${e.objectId}`)).toEqual([
      `SKIPPED ${ghost}`,
    ]);
  });

  it('logs a group the PBX refused as FAILED with the code, and the others go on', async () => {
    const s = await scenario();
    const erin = s.add('erin');
    const broken = group(s, 'Broken', [erin]);
    const fine = group(s, 'Fine', [erin]);
    await groupSettings(s, { groupIds: [broken, fine], schedule: 'OFF' }).expect(200);
    await runToEnd<RunBody>(t, s, 'user-sync');
    const port = t.get<PbxGroupsPort>(PBX_GROUPS);
    const create = port.createGroup.bind(port);
    const spy = jest
      .spyOn(port, 'createGroup')
      .mockImplementation((tenant, draft) =>
        draft.externalId === broken
          ? Promise.reject(new Error('ring group table is locked'))
          : create(tenant, draft),
      );
    try {
      const run = await runGroups(s);
      expect(run).toMatchObject({ status: 'COMPLETED_WITH_ERRORS' });
      expect(run.counts).toMatchObject({ 'groups.created': 1, 'groups.failed': 1 });
      expect(await logOf(s, { runId: run.id, action: 'FAILED' })).toEqual([
        expect.objectContaining({
          objectId: broken,
          reason: 'PBX_GROUPS_FAILED',
          message: expect.stringContaining('"Broken"') as unknown,
        }),
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  it('brings the same PBX group back with its members when a deleted group is restored in Entra', async () => {
    const s = await scenario();
    const [erin, frank, gina] = ['erin', 'frank', 'gina'].map((name) => s.add(name));
    // gina is not synced yet: she becomes a member only once the user sync has her.
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ selectionMode: 'EXCLUDE', selectedUsers: [s.upn('gina')] })
      .expect(200);
    const night = group(s, 'Night shift', [erin!, frank!, gina!]);
    await groupSettings(s, { groupIds: [night], schedule: 'OFF', leaverPolicy: 'DISABLE' }).expect(200);
    await runToEnd<RunBody>(t, s, 'user-sync');
    await runGroups(s);
    const pbxGroups = async () =>
      (await t.as(s.pbx.adminToken).get(`/api/tenants/${s.pbx.tenant.id}/ring-groups`).expect(200))
        .body as RingGroupBody[];
    const [before] = await pbxGroups();
    expect(await ringGroups(s)).toEqual(['Night shift = erin,frank']);

    // Deleted in Entra (to the deleted items): the leaver policy disables the PBX group.
    control().deleteGroup({ tenant: s.directoryId, group: night });
    const deleted = await runGroups(s);
    expect(deleted.counts).toMatchObject({ 'groups.disabled': 1 });
    expect(await ringGroups(s)).toEqual(['Night shift:off = erin,frank']);
    // While it is deleted, each run reads it (404) and changes nothing.
    const waiting = await runGroups(s);
    expect(waiting).toMatchObject({ status: 'SUCCEEDED' });
    expect(waiting.counts).not.toHaveProperty('groups.disabled');
    expect(waiting.counts).not.toHaveProperty('groups.reEnabled');
    expect(await ringGroups(s)).toEqual(['Night shift:off = erin,frank']);

    // Meanwhile the user sync takes gina; then an admin restores the group in Entra (same object id).
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ selectionMode: 'ALL', selectedUsers: [] })
      .expect(200);
    await runToEnd<RunBody>(t, s, 'user-sync');
    control().restoreGroup({ tenant: s.directoryId, group: night });
    const restored = await runGroups(s);
    expect(restored.counts).toMatchObject({ 'groups.updated': 1, 'groups.reEnabled': 1 });
    const after = await pbxGroups();
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(before?.id);
    expect(await ringGroups(s)).toEqual(['Night shift = erin,frank,gina']);
    expect(await logOf(s, { runId: restored.id, objectId: night })).toEqual([
      expect.objectContaining({
        action: 'RE_ENABLED',
        changes: [{ field: 'membersAdded', from: null, to: [expect.any(String)] }],
      }),
    ]);

    // Deleted and restored between two runs: the delta reports the group as it is, nothing changes in the PBX.
    control().deleteGroup({ tenant: s.directoryId, group: night });
    control().restoreGroup({ tenant: s.directoryId, group: night });
    const unnoticed = await runGroups(s);
    expect(unnoticed.counts).toMatchObject({ 'groups.unchanged': 1 });
    expect((await pbxGroups()).map((g) => g.id)).toEqual([before?.id]);
    expect(await ringGroups(s)).toEqual(['Night shift = erin,frank,gina']);
  });

  it('creates a restored group once when the leaver policy had deleted its PBX group', async () => {
    const s = await scenario();
    const hank = s.add('hank');
    const day = group(s, 'Day shift', [hank]);
    await groupSettings(s, { groupIds: [day], schedule: 'OFF', leaverPolicy: 'DELETE' }).expect(200);
    await runToEnd<RunBody>(t, s, 'user-sync');
    await runGroups(s);
    control().deleteGroup({ tenant: s.directoryId, group: day });
    expect((await runGroups(s)).counts).toMatchObject({ 'groups.deleted': 1 });
    expect(await ringGroups(s)).toEqual([]);
    control().restoreGroup({ tenant: s.directoryId, group: day });
    expect((await runGroups(s)).counts).toMatchObject({ 'groups.created': 1 });
    expect((await runGroups(s)).counts).toMatchObject({ 'groups.unchanged': 1 });
    expect(await ringGroups(s)).toEqual(['Day shift = hank']);
  });

  it("fails a run without GroupMember.Read.All with Microsoft's code and the admin action; the connection test says so", async () => {
    const s = await scenario(['User.Read.All']);
    await groupSettings(s, { groupIds: [group(s, 'Phones')], schedule: 'OFF' }).expect(200);
    const failed = await runGroups(s);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatchObject({
      code: 'PERMISSION_MISSING',
      action: expect.stringMatching(/GroupMember\.Read\.All.*Grant admin consent/) as unknown,
      microsoft: expect.objectContaining({ status: 403, code: 'Authorization_RequestDenied' }) as unknown,
    });
    const report = await t.as(s.pbx.adminToken).post(`${s.base}/connection-test`).expect(200);
    expect((report.body as { features: unknown[] }).features).toContainEqual(
      expect.objectContaining({
        feature: 'groupSync',
        enabled: true,
        missingPermissions: ['GroupMember.Read.All'],
      }),
    );
  });

  it('refuses bad settings with each field and its reason', async () => {
    const s = await scenario();
    const response = await groupSettings(s, {
      groupIds: ['not-a-guid'],
      leaverPolicy: 'SHRED',
      extra: 1,
    }).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'INVALID_INPUT' });
    const fields = (response.body as { errors: { field: string; reasons: string[] }[] }).errors;
    expect(fields).toEqual(
      expect.arrayContaining([
        { field: 'groupIds', reasons: ['each groupIds entry must be a group object id (GUID)'] },
        { field: 'leaverPolicy', reasons: ['leaverPolicy must be one of DISABLE, DELETE, KEEP'] },
        expect.objectContaining({ field: 'extra' }),
      ]),
    );
  });

  it("refuses another PBX tenant's admin", async () => {
    const s = await scenario();
    const other = await t.createTenantWithAdmin(systemToken);
    await t.as(other.adminToken).get(`${s.base}/group-sync/settings`).expect(403);
    await t.as(other.adminToken).patch(`${s.base}/group-sync/settings`).send({ schedule: 'OFF' }).expect(403);
    await t.as(other.adminToken).post(`${s.base}/group-sync/runs`).send({}).expect(403);
  });
});

describe('Microsoft 365 group sync in a PBX without groups', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;

  beforeAll(async () => {
    m365 = await startEmulatedMicrosoft365({ users: 0, groupDepth: 0, departments: 0 });
    t = await createTestApp({
      microsoft365: m365.moduleOptions,
      // The host provides no PBX_GROUPS.
      override: (builder) =>
        fastGraphRetries(FAST_GRAPH_RETRIES)(builder).overrideProvider(PBX_GROUPS).useValue(null),
    });
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  it('answers FEATURE_UNAVAILABLE (404) on every group sync route', async () => {
    const pbx = await t.createTenantWithAdmin();
    const base = `/api/microsoft365/tenants/${pbx.tenant.id}/group-sync`;
    for (const request of [
      t.as(pbx.adminToken).get(`${base}/settings`),
      t.as(pbx.adminToken).patch(`${base}/settings`).send({ schedule: 'OFF' }),
      t.as(pbx.adminToken).post(`${base}/runs`).send({}),
      t.as(pbx.adminToken).get(`${base}/runs`),
    ]) {
      const response = await request.expect(404);
      expect(response.body).toEqual({
        statusCode: 404,
        code: 'FEATURE_UNAVAILABLE',
        message: 'This PBX offers no ring groups to sync Entra groups into',
        action: expect.stringMatching(/PBX_GROUPS/) as unknown,
      });
    }
  });
});
