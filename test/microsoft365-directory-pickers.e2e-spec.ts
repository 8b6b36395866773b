import { type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  type DirectoryScenario as Scenario,
  FAST_GRAPH_RETRIES,
  resetEmulatorFaults,
  startSyncTestApp,
} from '@pbx/test/support/directory-scenario';
import { type EmulatedMicrosoft365 } from '@pbx/test/support/microsoft365-test-env';

interface Page<T> {
  items: T[];
  total: number | null;
  nextCursor: string | null;
}

interface UserItem {
  id: string;
  displayName: string | null;
  userPrincipalName: string | null;
  department: string | null;
}

interface GroupItem {
  id: string;
  displayName: string | null;
  kind: string;
}

/**
 * Issue 19, part 4: the admin's pickers search the tenant's Microsoft 365 users, groups and departments live,
 * through the module's Graph client, against the emulator's `$search` (ConsistencyLevel: eventual).
 */
describe('Microsoft 365 directory pickers (emulator over HTTPS, real PostgreSQL)', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let s: Scenario;
  let scenarios = 0;

  beforeAll(async () => {
    ({ m365, t } = await startSyncTestApp({ graphRetries: FAST_GRAPH_RETRIES }));
    s = await scenario(['User.Read.All', 'GroupMember.Read.All']);
    s.add('adele', { displayName: 'Adele Vance', department: 'Sales' });
    s.add('alex', { displayName: 'Alex Wilber', department: 'Sales & Marketing' });
    s.add('megan', { displayName: 'Megan Bowen', department: 'Marketing' });
    s.add('obrien', { displayName: "Pat O'Brien", department: "O'Brien Consulting" });
    s.add('quote', { displayName: 'Say "Hi" Desk', department: 'sales' });
    for (let i = 0; i < 7; i++)
      s.add(`agent${i}`, { displayName: `Support Agent${i}`, department: 'Support' });
    const tenant = s.directoryId;
    m365.emulator.control.createGroup({
      tenant,
      group: { displayName: 'Sales Team', groupTypes: ['Unified'] },
    });
    m365.emulator.control.createGroup({ tenant, group: { displayName: 'Sales Managers' } });
    m365.emulator.control.createGroup({ tenant, group: { displayName: 'Marketing' } });
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  afterEach(() => resetEmulatorFaults(m365));

  function scenario(permissions: string[]): Promise<Scenario> {
    scenarios++;
    return createDirectoryScenario(t, m365, {
      seed: `pickers-${scenarios}`,
      domain: `pickers${scenarios}.onmicrosoft.com`,
      permissions,
    });
  }

  const get = (path: string, query: Record<string, string | number> = {}, on: Scenario = s) =>
    t.as(on.pbx.adminToken).get(`${on.base}/directory/${path}`).query(query);

  it('finds users by the start of a word of their name, their mail or UPN', async () => {
    const byName = (await get('users', { q: 'wil' }).expect(200)).body as Page<UserItem>;
    expect(byName.items.map((user) => user.displayName)).toEqual(['Alex Wilber']);
    expect(byName.total).toBe(1);
    expect(byName.items[0]).toEqual({
      id: expect.any(String),
      displayName: 'Alex Wilber',
      userPrincipalName: s.upn('alex'),
      mail: s.upn('alex'),
      department: 'Sales & Marketing',
      jobTitle: null,
      accountEnabled: true,
    });
    const byUpn = (await get('users', { q: 'meg' }).expect(200)).body as Page<UserItem>;
    expect(byUpn.items.map((user) => user.userPrincipalName)).toEqual([s.upn('megan')]);
    // Quotes and apostrophes are searched as typed (escaped in $search as Microsoft documents).
    const quoted = (await get('users', { q: '"Hi"' }).expect(200)).body as Page<UserItem>;
    expect(quoted.items.map((user) => user.displayName)).toEqual(['Say "Hi" Desk']);
    const apostrophe = (await get('users', { q: "O'Brien" }).expect(200)).body as Page<UserItem>;
    expect(apostrophe.items.map((user) => user.displayName)).toEqual(["Pat O'Brien"]);
  });

  it('pages with an opaque cursor that carries the search, to the end', async () => {
    const first = (await get('users', { q: 'agent', top: 3 }).expect(200)).body as Page<UserItem>;
    expect(first.total).toBe(7);
    expect(first.items).toHaveLength(3);
    expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(first.nextCursor ?? '', 'base64url').toString()).not.toContain('https://');
    const names = first.items.map((user) => user.displayName);
    let cursor = first.nextCursor;
    while (cursor) {
      const page = (await get('users', { cursor }).expect(200)).body as Page<UserItem>;
      expect(page.total).toBeNull();
      names.push(...page.items.map((user) => user.displayName));
      cursor = page.nextCursor;
    }
    expect(names).toEqual(Array.from({ length: 7 }, (_, i) => `Support Agent${i}`));
    // Without q: everybody, by display name.
    const all = (await get('users', { top: 999 }).expect(200)).body as Page<UserItem>;
    expect(all.total).toBe(12);
    expect(all.items[0]?.displayName).toBe('Adele Vance');
  });

  it('finds groups of every kind by name and tells their kind', async () => {
    const sales = (await get('groups', { q: 'sales' }).expect(200)).body as Page<GroupItem>;
    const kinds = Object.fromEntries(sales.items.map((group) => [group.displayName, group.kind]));
    expect(kinds).toMatchObject({ 'Sales Managers': 'SECURITY', 'Sales Team': 'MICROSOFT_365' });
    expect(kinds).not.toHaveProperty('Marketing');
    const team = (await get('groups', { q: 'sales t' }).expect(200)).body as Page<GroupItem>;
    expect(team.items.map((group) => group.displayName)).toEqual(['Sales Team']);
    const all = (await get('groups', { top: 999 }).expect(200)).body as Page<GroupItem>;
    expect(all.total).toBe(all.items.length);
    const first = (await get('groups', { top: 1 }).expect(200)).body as Page<GroupItem>;
    expect(first.nextCursor).not.toBeNull();
    const second = (await get('groups', { cursor: first.nextCursor ?? '' }).expect(200))
      .body as Page<GroupItem>;
    expect(second.items[0]?.id).toBe(all.items[1]?.id);
    // A users cursor is not a groups cursor.
    const usersCursor = ((await get('users', { top: 1 }).expect(200)).body as Page<UserItem>).nextCursor;
    const refused = await get('groups', { cursor: usersCursor ?? '' }).expect(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', errors: [{ field: 'cursor' }] });
  });

  it('lists distinct departments starting with the text, sorted, and says whether it read them all', async () => {
    const sales = (await get('departments', { q: 'sal' }).expect(200)).body as Record<string, unknown>;
    // "Sales" and "sales" are one department; "Sales & Marketing" starts with "sal" too.
    expect(sales).toEqual({ departments: ['Sales', 'Sales & Marketing'], truncated: false, usersRead: 3 });
    const all = (await get('departments').expect(200)).body as { departments: string[] };
    expect(all.departments).toEqual([
      'Marketing',
      "O'Brien Consulting",
      'Sales',
      'Sales & Marketing',
      'Support',
    ]);
    const apostrophe = (await get('departments', { q: "o'b" }).expect(200)).body as { departments: string[] };
    expect(apostrophe.departments).toEqual(["O'Brien Consulting"]);
  });

  it('refuses bad input with 400 in the module shape, naming the field', async () => {
    for (const [query, field] of [
      [{ q: 'x'.repeat(101) }, 'q'],
      [{ q: '   ' }, 'q'],
      [{ q: 'a\u0007b' }, 'q'],
      [{ top: 1000 }, 'top'],
      [{ top: 0 }, 'top'],
      [{ cursor: 'not a cursor' }, 'cursor'],
      [{ cursor: Buffer.from('{"v":1}').toString('base64url') }, 'cursor'],
      [{ filter: 'x' }, 'filter'],
    ] as const) {
      const answer = await get('users', query).expect(400);
      expect(answer.body).toMatchObject({
        statusCode: 400,
        code: 'INVALID_INPUT',
        errors: [expect.objectContaining({ field, reasons: expect.any(Array) })],
      });
    }
    expect((await get('departments', { q: 'x'.repeat(101) }).expect(400)).body).toMatchObject({
      errors: [{ field: 'q' }],
    });
  });

  // The module answers every Microsoft-side refusal as 424 (a failed dependency, README "Bad input"); Microsoft's
  // own 403 and code travel in `microsoft`.
  it("answers Microsoft's 403 with its code and the permission to add when the app lacks it", async () => {
    const bare = await scenario([]);
    for (const [path, permission] of [
      ['users', 'User.Read.All'],
      ['groups', 'GroupMember.Read.All'],
      ['departments', 'User.Read.All'],
    ] as const) {
      const answer = await get(path, { q: 'a' }, bare).expect(424);
      expect(answer.body).toMatchObject({
        code: 'PERMISSION_MISSING',
        action: expect.stringContaining(permission),
        microsoft: { status: 403, code: 'Authorization_RequestDenied', requestId: expect.any(String) },
      });
    }
  });

  it("refuses another PBX tenant's admin and an unconfigured tenant", async () => {
    const other = await t.createTenantWithAdmin();
    await t.as(other.adminToken).get(`${s.base}/directory/users`).expect(403);
    const answer = await t
      .as(other.adminToken)
      .get(`/api/microsoft365/tenants/${other.tenant.id}/directory/groups`)
      .expect(409);
    expect(answer.body).toMatchObject({ code: 'NOT_CONFIGURED' });
    await t.http().get(`${s.base}/directory/users`).expect(401);
  });
});
