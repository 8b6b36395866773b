import { EntityManager } from '@mikro-orm/postgresql';
import { PBX_DIRECTORY, type PbxDirectoryPort, type PbxDirectoryUser } from '@pbx/microsoft365';
import { UserSyncGroupMemberEntity } from '@pbx/microsoft365/user-sync/user-sync-group-member.entity';
import { UserSyncSettingsEntity } from '@pbx/microsoft365/user-sync/user-sync-settings.entity';
import { type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  type DirectoryScenario,
  runToEnd,
  startSyncTestApp,
} from '@pbx/test/support/directory-scenario';
import { type EmulatedMicrosoft365 } from '@pbx/test/support/microsoft365-test-env';

interface RunBody {
  id: string;
  status: string;
  mode: string;
  modeReason: string | null;
  counts: Record<string, number>;
  graph: { requests: number };
  error: { code: string; message: string } | null;
}

/** A PBX tenant with its own emulated directory: a root group with a nested group, and the users around them. */
interface Scenario extends DirectoryScenario {
  root: string;
  nested: string;
}

describe('Microsoft 365 user sync, group scope through groups/delta (emulator over HTTPS, real PostgreSQL)', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let directory: PbxDirectoryPort;
  let em: EntityManager;
  let scenarios = 0;

  beforeAll(async () => {
    ({ m365, t } = await startSyncTestApp());
    directory = t.get<PbxDirectoryPort>(PBX_DIRECTORY);
    em = t.get(EntityManager);
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  /** Root "Phones" holds bob and the nested "Phones EU", which holds carol; alice is in no group. */
  async function scenario(settings: Record<string, unknown> = {}): Promise<Scenario> {
    scenarios++;
    const s = await createDirectoryScenario(t, m365, {
      seed: `user-sync-groups-${scenarios}`,
      domain: `groups${scenarios}.onmicrosoft.com`,
      permissions: ['User.Read.All', 'GroupMember.Read.All'],
      // Only group membership matters here: the users carry no department.
      userDefaults: {},
    });
    const control = m365.emulator.control;
    const tenant = s.directoryId;
    s.add('alice');
    const bob = s.add('bob');
    const carol = s.add('carol');
    const root = control.createGroup({ tenant, group: { displayName: 'Phones' } }).id;
    const nested = control.createGroup({ tenant, group: { displayName: 'Phones EU' } }).id;
    control.addGroupMember({ tenant, group: root, member: nested });
    control.addGroupMember({ tenant, group: nested, member: carol });
    control.addGroupMember({ tenant, group: root, member: bob });
    // The group scope needs the group ids, so these settings go in after the groups exist.
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ groupIds: [root], ...settings })
      .expect(200);
    return { ...s, root, nested };
  }

  // These runs follow the delta machinery, so they ask for incremental: an admin's plain "sync now" is a full run
  // (test/microsoft365-user-sync-pbx-edits.e2e-spec.ts). A first run, or one after a scope change, is full anyway.
  const run = (s: Scenario, body: Record<string, unknown> = { mode: 'incremental' }) =>
    runToEnd<RunBody>(t, s, 'user-sync', body);

  /** Graph requests by route since the last reset (the emulator counts them; tokens are not Graph). */
  function graphRoutes(): Record<string, number> {
    const routes: Record<string, number> = {};
    for (const [route, statuses] of Object.entries(m365.emulator.control.getCounters().byRoute)) {
      if (!route.includes('/v1.0/')) continue;
      routes[route] = Object.values(statuses).reduce((sum, n) => sum + n, 0);
    }
    return routes;
  }

  const transitiveReads = (routes: Record<string, number>): number =>
    Object.entries(routes)
      .filter(([route]) => route.includes('transitiveMembers'))
      .reduce((sum, [, n]) => sum + n, 0);

  async function enabledUsers(s: Scenario): Promise<string[]> {
    const page = await directory.listUsers(s.pbx.tenant.id, { limit: 1000 });
    return page.users
      .filter((u: PbxDirectoryUser) => u.id !== s.pbx.admin.id && u.enabled)
      .map((u) => u.userPrincipalName?.split('@')[0] ?? '')
      .sort();
  }

  async function cursor(s: Scenario) {
    const fork = em.fork();
    const settings = await fork.findOneOrFail(UserSyncSettingsEntity, { pbxTenantId: s.pbx.tenant.id });
    const members = await fork.count(UserSyncGroupMemberEntity, { pbxTenantId: s.pbx.tenant.id });
    return {
      deltaLink: settings.deltaLink,
      groupDeltaLink: settings.groupDeltaLink,
      closure: [...(settings.groupClosure ?? [])].sort(),
      members,
    };
  }

  /** An idle incremental run: users/delta and groups/delta, one request each, and nothing written. */
  async function expectIdle(s: Scenario): Promise<void> {
    const before = await cursor(s);
    m365.emulator.control.resetCounters();
    const idle = await run(s);
    expect(idle).toMatchObject({ status: 'SUCCEEDED', mode: 'INCREMENTAL', counts: {} });
    expect(graphRoutes()).toEqual({ 'GET /v1.0/users/delta': 1, 'GET /v1.0/groups/delta': 1 });
    expect(idle.graph.requests).toBe(2);
    // Every delta round hands out a new link: an unchanged cursor means the run wrote nothing.
    expect(await cursor(s)).toEqual(before);
  }

  it('stores the members and the closure on the first run; an idle run costs users/delta + groups/delta only', async () => {
    const s = await scenario();
    const first = await run(s);
    expect(first).toMatchObject({ status: 'SUCCEEDED', mode: 'FULL', counts: { created: 2 } });
    expect(await enabledUsers(s)).toEqual(['bob', 'carol']);
    expect(await cursor(s)).toMatchObject({
      groupDeltaLink: expect.stringContaining('/groups/delta?$deltatoken='),
      closure: [s.root, s.nested].map((id) => id.toLowerCase()).sort(),
      members: 2,
    });

    await expectIdle(s);

    // A group outside the scope changing members is no reason to list the scope's members again.
    const other = m365.emulator.control.createGroup({
      tenant: s.directoryId,
      group: { displayName: 'Elsewhere' },
    }).id;
    m365.emulator.control.addGroupMember({ tenant: s.directoryId, group: other, member: s.add('dave') });
    m365.emulator.control.resetCounters();
    const unrelated = await run(s);
    expect(unrelated).toMatchObject({ status: 'SUCCEEDED', mode: 'INCREMENTAL' });
    expect(unrelated.counts.created ?? 0).toBe(0);
    expect(transitiveReads(graphRoutes())).toBe(0);
    expect(await enabledUsers(s)).toEqual(['bob', 'carol']);
  });

  it('creates a user added to a nested group, and stores the new members for the runs after', async () => {
    const s = await scenario();
    await run(s);
    const erin = s.add('erin');
    // Erin's creation is in the users' delta too, but out of scope there: only the groups delta brings her in.
    await run(s);
    m365.emulator.control.addGroupMember({ tenant: s.directoryId, group: s.nested, member: erin });
    m365.emulator.control.resetCounters();
    const added = await run(s);
    expect(added).toMatchObject({ status: 'SUCCEEDED', mode: 'INCREMENTAL', counts: { created: 1 } });
    expect(transitiveReads(graphRoutes())).toBe(1);
    expect(await enabledUsers(s)).toEqual(['bob', 'carol', 'erin']);
    expect((await cursor(s)).members).toBe(3);

    await expectIdle(s);
  });

  it('applies the leaver policy to a user removed from a nested group', async () => {
    const s = await scenario();
    await run(s);
    const carol = (
      await em
        .fork()
        .getConnection()
        .execute<{ object_id: string }[]>(
          `select l.object_id from m365_user_links l where l.pbx_tenant_id = ? and l.user_principal_name like 'carol@%'`,
          [s.pbx.tenant.id],
        )
    )[0]?.object_id;
    expect(carol).toBeTruthy();
    m365.emulator.control.removeGroupMember({ tenant: s.directoryId, group: s.nested, member: carol ?? '' });
    const removed = await run(s);
    expect(removed).toMatchObject({ status: 'SUCCEEDED', mode: 'INCREMENTAL', counts: { disabled: 1 } });
    expect(await enabledUsers(s)).toEqual(['bob']);
    expect((await cursor(s)).members).toBe(1);

    await expectIdle(s);
  });

  it('brings in the members of a group newly nested in the root, and follows that group afterwards', async () => {
    const s = await scenario();
    await run(s);
    const control = m365.emulator.control;
    const team = control.createGroup({ tenant: s.directoryId, group: { displayName: 'Phones US' } }).id;
    control.addGroupMember({ tenant: s.directoryId, group: team, member: s.add('frank') });
    control.addGroupMember({ tenant: s.directoryId, group: s.root, member: team });
    const nestedNow = await run(s);
    expect(nestedNow).toMatchObject({ status: 'SUCCEEDED', mode: 'INCREMENTAL', counts: { created: 1 } });
    expect(await enabledUsers(s)).toEqual(['bob', 'carol', 'frank']);
    expect((await cursor(s)).closure).toContain(team.toLowerCase());

    // The new group is part of the watched closure now: a member added to it alone shows up.
    control.addGroupMember({ tenant: s.directoryId, group: team, member: s.add('gina') });
    expect((await run(s)).counts).toMatchObject({ created: 1 });
    expect(await enabledUsers(s)).toEqual(['bob', 'carol', 'frank', 'gina']);

    // Deleting a nested group takes its members out of scope.
    control.deleteGroup({ tenant: s.directoryId, group: team });
    expect((await run(s)).counts).toMatchObject({ disabled: 2 });
    expect(await enabledUsers(s)).toEqual(['bob', 'carol']);
    expect((await cursor(s)).closure).not.toContain(team.toLowerCase());

    await expectIdle(s);
  });

  it('reads the members again when the groups delta link expires, without failing', async () => {
    const s = await scenario({ leaverPolicy: 'DELETE' });
    await run(s);

    // Only the groups link is no longer known to Graph (410 resyncRequired); the users link still is.
    const henry = s.add('henry');
    m365.emulator.control.addGroupMember({ tenant: s.directoryId, group: s.root, member: henry });
    const stored = (await cursor(s)).groupDeltaLink ?? '';
    await em
      .fork()
      .nativeUpdate(
        UserSyncSettingsEntity,
        { pbxTenantId: s.pbx.tenant.id },
        { groupDeltaLink: stored.replace(/\$deltatoken=.*$/, '$deltatoken=unknown') },
      );
    m365.emulator.control.resetCounters();
    const regrouped = await run(s);
    expect(regrouped).toMatchObject({ status: 'SUCCEEDED', mode: 'INCREMENTAL', counts: { created: 1 } });
    expect(transitiveReads(graphRoutes())).toBe(1);
    expect(await enabledUsers(s)).toEqual(['bob', 'carol', 'henry']);
    expect((await cursor(s)).groupDeltaLink).not.toContain('unknown');
    await expectIdle(s);

    // Both links expire (the emulator's control API, as after 7 days): a full run by itself, not a failure.
    m365.emulator.control.removeGroupMember({ tenant: s.directoryId, group: s.root, member: henry });
    m365.emulator.control.expireDeltaTokens({ tenant: s.directoryId });
    const expired = await run(s);
    expect(expired).toMatchObject({
      status: 'SUCCEEDED',
      mode: 'FULL',
      modeReason: expect.stringMatching(/expired/),
      counts: { deleted: 1 },
    });
    expect(await enabledUsers(s)).toEqual(['bob', 'carol']);
    await expectIdle(s);
  });

  it('forgets the stored members when the scope stops filtering by group', async () => {
    const s = await scenario();
    await run(s);
    expect((await cursor(s)).members).toBe(2);
    await t.as(s.pbx.adminToken).patch(`${s.base}/user-sync/settings`).send({ groupIds: [] }).expect(200);
    expect((await run(s)).counts).toMatchObject({ created: 1 });
    expect(await cursor(s)).toMatchObject({ groupDeltaLink: null, closure: [], members: 0 });
    expect(await enabledUsers(s)).toEqual(['alice', 'bob', 'carol']);
  });
});
