import { EmulatorFixture } from '../testing/emulator.fixture';

type Row = Record<string, unknown>;

/**
 * Deleted groups in the directory's deleted items: soft-deleted (delta `@removed` reason `changed`), restorable
 * with the same id and members for 30 days through `POST /directory/deletedItems/{id}/restore`
 * (docs/graph-notes.md §3.3).
 */
describe('Graph deleted items: groups', () => {
  let fixture: EmulatorFixture;

  beforeAll(async () => {
    fixture = await EmulatorFixture.start({ seed: { users: 10, departments: 1, groupDepth: 0 } });
  });

  afterAll(async () => {
    await fixture.close();
  });

  const control = () => fixture.emulator.control;
  const tenant = () => fixture.tenantId;
  const restore = async (id: string) =>
    fixture.graph(`/directory/deletedItems/${id}/restore`, { method: 'POST', token: await fixture.token() });
  const withRestorePermission = async <T>(body: () => Promise<T>): Promise<T> => {
    const app = { tenant: tenant(), clientId: fixture.clientId, permissions: ['Group.ReadWrite.All'] };
    control().grantPermissions(app);
    try {
      return await body();
    } finally {
      control().revokePermissions(app);
    }
  };
  const deltaRound = async (link: string): Promise<{ value: Row[]; deltaLink: string }> => {
    const token = await fixture.token();
    const value: Row[] = [];
    let next: string | undefined = link;
    let deltaLink = '';
    while (next) {
      const page = await fixture.graph(next, { token });
      expect(page.status).toBe(200);
      value.push(...(page.json['value'] as Row[]));
      next = page.json['@odata.nextLink'] as string | undefined;
      deltaLink = (page.json['@odata.deltaLink'] as string | undefined) ?? deltaLink;
    }
    return { value, deltaLink };
  };

  it('restores a deleted group with the same id and its members; delta reports the deletion, then the group', async () => {
    const [first, second] = control().listUsers({ tenant: tenant() });
    const group = control().createGroup({ tenant: tenant(), group: { displayName: 'Night shift' } });
    control().addGroupMember({ tenant: tenant(), group: group.id, member: first?.id ?? '' });
    control().addGroupMember({ tenant: tenant(), group: group.id, member: second?.id ?? '' });
    let { deltaLink } = await deltaRound('/groups/delta?$select=displayName,members&$deltatoken=latest');

    control().deleteGroup({ tenant: tenant(), group: group.id });
    const deleted = await deltaRound(deltaLink);
    expect(deleted.value).toEqual([{ id: group.id, '@removed': { reason: 'changed' } }]);
    expect((await fixture.graph(`/groups/${group.id}`)).status).toBe(404);

    // Restoring needs Group.ReadWrite.All; reading groups is not enough.
    const denied = await restore(group.id);
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ error: { code: 'Authorization_RequestDenied' } });

    const restored = await withRestorePermission(() => restore(group.id));
    expect(restored.status).toBe(200);
    expect(restored.json).toMatchObject({
      '@odata.type': '#microsoft.graph.group',
      id: group.id,
      displayName: 'Night shift',
    });
    const members = await fixture.graph(`/groups/${group.id}/transitiveMembers?$select=id`);
    expect((members.json['value'] as Row[]).map((member) => member['id']).sort()).toEqual(
      [first?.id, second?.id].sort(),
    );
    ({ deltaLink } = deleted);
    const back = await deltaRound(deltaLink);
    expect(back.value).toEqual([expect.objectContaining({ id: group.id, displayName: 'Night shift' })]);

    // Restored once: no longer in the deleted items.
    const again = await withRestorePermission(() => restore(group.id));
    expect(again.status).toBe(404);
    expect(again.json).toMatchObject({ error: { code: 'Request_ResourceNotFound' } });
  });

  it('deletes permanently on request and for distribution groups: delta says "deleted", nothing to restore', async () => {
    const permanent = control().createGroup({ tenant: tenant(), group: { displayName: 'Gone' } });
    const distribution = control().createGroup({
      tenant: tenant(),
      group: { displayName: 'Newsletter', mailEnabled: true, securityEnabled: false, groupTypes: [] },
    });
    const { deltaLink } = await deltaRound('/groups/delta?$select=displayName&$deltatoken=latest');
    control().deleteGroup({ tenant: tenant(), group: permanent.id, permanent: true });
    control().deleteGroup({ tenant: tenant(), group: distribution.id });
    const round = await deltaRound(deltaLink);
    expect(round.value).toEqual(
      expect.arrayContaining([
        { id: permanent.id, '@removed': { reason: 'deleted' } },
        { id: distribution.id, '@removed': { reason: 'deleted' } },
      ]),
    );
    await withRestorePermission(async () => {
      expect((await restore(permanent.id)).status).toBe(404);
      expect((await restore(distribution.id)).status).toBe(404);
    });
  });

  it('keeps a deleted group restorable for 30 days, not longer', async () => {
    const kept = control().createGroup({ tenant: tenant(), group: { displayName: 'Kept' } });
    const lost = control().createGroup({ tenant: tenant(), group: { displayName: 'Lost' } });
    control().deleteGroup({ tenant: tenant(), group: lost.id });
    control().advanceClock({ days: 20 });
    control().deleteGroup({ tenant: tenant(), group: kept.id });
    control().advanceClock({ days: 11 });
    await withRestorePermission(async () => {
      expect((await restore(lost.id)).status).toBe(404);
      expect((await restore(kept.id)).status).toBe(200);
    });
    expect(() => control().restoreGroup({ tenant: tenant(), group: lost.id })).toThrow(/Deleted group/);
  });
});
