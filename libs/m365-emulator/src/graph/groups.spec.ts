import { EmulatorFixture } from '../testing/emulator.fixture';

type Row = Record<string, unknown>;

describe('Graph groups: members, transitiveMembers, delta', () => {
  let fixture: EmulatorFixture;
  let token: string;

  beforeAll(async () => {
    fixture = await EmulatorFixture.start({
      seed: { users: 60, departments: 2, groupDepth: 2, groupFanout: 2 },
    });
    token = await fixture.token();
  });

  afterAll(async () => {
    await fixture.close();
  });

  const graph = (path: string, headers: Record<string, string> = {}) =>
    fixture.graph(path, { token, headers });
  const all = async (path: string, headers: Record<string, string> = {}): Promise<Row[]> => {
    const rows: Row[] = [];
    let link: string | undefined = path;
    while (link) {
      const page = await graph(link, headers);
      expect(page.status).toBe(200);
      rows.push(...(page.json['value'] as Row[]));
      link = page.json['@odata.nextLink'] as string | undefined;
    }
    return rows;
  };

  it('searches groups by tokens of displayName with ConsistencyLevel: eventual', async () => {
    const groups = await all('/groups?$select=id,displayName&$top=999');
    const name = String(groups[0]?.['displayName']);
    const word = name.split(/\s+/).pop() ?? '';
    expect((await graph(`/groups?$search="displayName:${word}"`)).status).toBe(400);
    const found = await all(
      `/groups?$search=${encodeURIComponent(`"displayName:${word.slice(0, 3)}" OR "mail:${word}"`)}&$top=1&$select=id,displayName`,
      { ConsistencyLevel: 'eventual' },
    );
    expect(found.map((group) => group['id'])).toContain(groups[0]?.['id']);
    expect(found.length).toBeLessThan(groups.length + 1);
  });

  it('lists direct members and flattens nested groups transitively (with paging and $select)', async () => {
    const root = fixture.seeded.rootGroupId;
    const direct = await all(`/groups/${root}/members`);
    expect(direct.every((member) => member['@odata.type'] === '#microsoft.graph.group')).toBe(true);
    const transitive = await all(`/groups/${root}/transitiveMembers?$top=7&$select=id,displayName`);
    const users = transitive.filter((member) => member['@odata.type'] === '#microsoft.graph.user');
    expect(users).toHaveLength(60);
    expect(Object.keys(users[0] ?? {}).sort()).toEqual(['@odata.type', 'displayName', 'id']);
    const groups = transitive.filter((member) => member['@odata.type'] === '#microsoft.graph.group');
    // 2 departments x (1 + 2 + 4) groups + the guest group.
    expect(groups).toHaveLength(15);
  });

  it('requires advanced query mode for the transitiveMembers/microsoft.graph.user cast', async () => {
    const root = fixture.seeded.rootGroupId;
    const plain = await graph(`/groups/${root}/transitiveMembers/microsoft.graph.user`);
    expect(plain.status).toBe(400);
    const cast = await all(`/groups/${root}/transitiveMembers/microsoft.graph.user?$count=true&$select=id`, {
      ConsistencyLevel: 'eventual',
    });
    expect(cast).toHaveLength(60);
    expect(cast.every((member) => member['@odata.type'] === '#microsoft.graph.user')).toBe(true);
  });

  it('survives membership cycles', async () => {
    const control = fixture.emulator.control;
    const a = control.createGroup({ tenant: fixture.tenantId, group: { displayName: 'Cycle A' } });
    const b = control.createGroup({ tenant: fixture.tenantId, group: { displayName: 'Cycle B' } });
    const someone = fixture.seeded.sampleUserPrincipalNames[0] ?? '';
    control.addGroupMember({ tenant: fixture.tenantId, group: a.id, member: b.id });
    control.addGroupMember({ tenant: fixture.tenantId, group: b.id, member: a.id });
    control.addGroupMember({ tenant: fixture.tenantId, group: b.id, member: someone });
    const members = await all(`/groups/${a.id}/transitiveMembers`);
    expect(members.map((member) => member['@odata.type']).sort()).toEqual([
      '#microsoft.graph.group',
      '#microsoft.graph.user',
    ]);
  });

  it('filters groups and 404s unknown ones', async () => {
    const found = await graph("/groups?$filter=startsWith(displayName,'Department')&$select=id,displayName");
    expect((found.json['value'] as Row[]).length).toBe(2);
    expect((await graph('/groups/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });

  it('groups/delta reports members@delta additions and removals', async () => {
    let link: string | undefined = '/groups/delta?$select=displayName,members';
    let deltaLink = '';
    const initial: Row[] = [];
    while (link) {
      const page = await graph(link);
      initial.push(...(page.json['value'] as Row[]));
      link = page.json['@odata.nextLink'] as string | undefined;
      deltaLink = (page.json['@odata.deltaLink'] as string | undefined) ?? deltaLink;
    }
    const department = initial.find((group) => String(group['displayName']).startsWith('Department'));
    expect((department?.['members@delta'] as Row[]).length).toBe(2);

    const control = fixture.emulator.control;
    const group = control.createGroup({ tenant: fixture.tenantId, group: { displayName: 'Delta Group' } });
    const [first, second] = fixture.seeded.sampleUserPrincipalNames;
    const firstUser = control.getUser({ tenant: fixture.tenantId, user: first ?? '' });
    const secondUser = control.getUser({ tenant: fixture.tenantId, user: second ?? '' });
    control.addGroupMember({ tenant: fixture.tenantId, group: group.id, member: firstUser.id });
    control.addGroupMember({ tenant: fixture.tenantId, group: group.id, member: secondUser.id });
    const afterAdd = await graph(deltaLink);
    const added = (afterAdd.json['value'] as Row[]).find((row) => row['id'] === group.id);
    expect(added?.['members@delta']).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: firstUser.id },
      { '@odata.type': '#microsoft.graph.user', id: secondUser.id },
    ]);
    control.removeGroupMember({ tenant: fixture.tenantId, group: group.id, member: firstUser.id });
    const afterRemove = await graph(String(afterAdd.json['@odata.deltaLink']));
    expect((afterRemove.json['value'] as Row[])[0]).toMatchObject({
      id: group.id,
      'members@delta': [
        { '@odata.type': '#microsoft.graph.user', id: firstUser.id, '@removed': { reason: 'deleted' } },
      ],
    });
    control.deleteGroup({ tenant: fixture.tenantId, group: group.id });
    const afterDelete = await graph(String(afterRemove.json['@odata.deltaLink']));
    expect(afterDelete.json['value']).toEqual([{ id: group.id, '@removed': { reason: 'changed' } }]);
  });

  it('groups/delta tokens expire on demand and after 7 days (410 syncStateNotFound)', async () => {
    const initial = async (): Promise<string> => {
      let link: string | undefined = '/groups/delta?$select=displayName';
      let deltaLink = '';
      while (link) {
        const page = await graph(link);
        expect(page.status).toBe(200);
        link = page.json['@odata.nextLink'] as string | undefined;
        deltaLink = (page.json['@odata.deltaLink'] as string | undefined) ?? deltaLink;
      }
      return deltaLink;
    };
    const forced = await initial();
    expect((await graph(forced)).status).toBe(200);
    fixture.emulator.control.expireDeltaTokens({ tenant: fixture.tenantId });
    const expired = await graph(forced);
    expect(expired.status).toBe(410);
    expect(expired.json).toMatchObject({ error: { code: 'syncStateNotFound' } });
    expect(expired.headers.get('location')).toContain('/groups/delta?$select=displayName&$deltatoken=');

    const aged = await initial();
    fixture.emulator.control.advanceClock({ days: 7, minutes: 1 });
    token = await fixture.token();
    const stale = await graph(aged);
    expect(stale.status).toBe(410);
    expect(stale.json).toMatchObject({ error: { code: 'syncStateNotFound' } });
    expect((await graph('/groups/delta?$deltatoken=garbage')).json).toMatchObject({
      error: { code: 'resyncRequired' },
    });
  });

  it('needs a group permission', async () => {
    fixture.emulator.control.revokePermissions({
      tenant: fixture.tenantId,
      clientId: fixture.clientId,
      permissions: ['GroupMember.Read.All'],
    });
    const denied = await fixture.graph('/groups');
    expect(denied.status).toBe(403);
    fixture.emulator.control.grantPermissions({
      tenant: fixture.tenantId,
      clientId: fixture.clientId,
      permissions: ['GroupMember.Read.All'],
    });
  });
});
