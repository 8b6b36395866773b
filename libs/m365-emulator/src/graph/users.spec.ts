import { EmulatorFixture } from '../testing/emulator.fixture';

type Row = Record<string, unknown>;

describe('Graph /users and /users/delta', () => {
  let fixture: EmulatorFixture;
  let token: string;

  beforeAll(async () => {
    fixture = await EmulatorFixture.start({
      seed: { users: 250, departments: 4, guests: 0.1, disabled: 0.1, withoutNames: 0.05 },
    });
    token = await fixture.token();
  });

  afterAll(async () => {
    await fixture.close();
  });

  const graph = (path: string, headers: Record<string, string> = {}) =>
    fixture.graph(path, { token, headers });
  const tenant = () => fixture.tenantId;

  it('pages with absolute @odata.nextLink/$skiptoken and returns the default property set', async () => {
    const first = await graph('/users');
    const value = first.json['value'] as Row[];
    expect(value).toHaveLength(100);
    expect(Object.keys(value[0] ?? {}).sort()).toEqual(
      [
        'businessPhones',
        'displayName',
        'givenName',
        'id',
        'jobTitle',
        'mail',
        'mobilePhone',
        'officeLocation',
        'preferredLanguage',
        'surname',
        'userPrincipalName',
      ].sort(),
    );
    expect(value[0]).not.toHaveProperty('department');
    expect(first.json['@odata.context']).toBe(`${fixture.emulator.graphBaseUrl}/$metadata#users`);
    const next = String(first.json['@odata.nextLink']);
    expect(next).toMatch(new RegExp(`^${fixture.emulator.graphBaseUrl}/users\\?.*\\$skiptoken=`));
    const ids = new Set(value.map((user) => user['id']));
    let link: string | undefined = next;
    while (link) {
      const page = await graph(link);
      for (const user of page.json['value'] as Row[]) ids.add(user['id']);
      link = page.json['@odata.nextLink'] as string | undefined;
    }
    expect(ids.size).toBe(250);
  });

  it('enforces $top 1..999 and rejects $skip', async () => {
    const tooBig = await graph('/users?$top=1000');
    expect(tooBig.status).toBe(400);
    expect(tooBig.json).toMatchObject({
      error: {
        code: 'Request_BadRequest',
        message: "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.",
      },
    });
    expect(((await graph('/users?$top=999')).json['value'] as Row[]).length).toBe(250);
    expect((await graph('/users?$skip=10')).status).toBe(400);
  });

  it('supports $select (incl. non-default properties) and rejects unknown properties', async () => {
    const selected = await graph('/users?$select=id,department,accountEnabled,userType,employeeId&$top=5');
    expect(Object.keys((selected.json['value'] as Row[])[0] ?? {}).sort()).toEqual([
      'accountEnabled',
      'department',
      'employeeId',
      'id',
      'userType',
    ]);
    expect(selected.json['@odata.context']).toBe(
      `${fixture.emulator.graphBaseUrl}/$metadata#users(id,department,accountEnabled,userType,employeeId)`,
    );
    const unknown = await graph('/users?$select=id,shoeSize');
    expect(unknown.json).toMatchObject({
      error: {
        code: 'Request_BadRequest',
        message: "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.",
      },
    });
    expect((await graph('/users?$select=birthday')).status).toBe(501);
  });

  it('returns onPremisesExtensionAttributes as one object of fifteen keys, null when unset', async () => {
    const [first] = (await graph('/users?$top=1&$select=id')).json['value'] as Row[];
    const id = String(first?.['id']);
    const control = fixture.emulator.control;
    control.updateUser({
      tenant: tenant(),
      user: id,
      changes: { extensionAttributes: { extensionAttribute3: '4711' } },
    });
    const answer = await graph(`/users/${id}?$select=id,onPremisesExtensionAttributes`);
    control.updateUser({ tenant: tenant(), user: id, changes: { extensionAttributes: {} } });
    const attributes = answer.json['onPremisesExtensionAttributes'] as Row;
    expect(Object.keys(attributes)).toHaveLength(15);
    expect(attributes['extensionAttribute3']).toBe('4711');
    expect(attributes['extensionAttribute1']).toBeNull();
    expect(attributes['extensionAttribute15']).toBeNull();
  });

  it('applies $filter with the directory rules for ConsistencyLevel and $count', async () => {
    const sales = await graph("/users?$filter=department eq 'sales'&$select=id,department&$top=999");
    const rows = sales.json['value'] as Row[];
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.every((user) => user['department'] === 'Sales')).toBe(true);

    const guests = await graph(
      "/users?$filter=userType eq 'Guest' and accountEnabled eq true&$select=userPrincipalName,userType",
    );
    expect(
      (guests.json['value'] as Row[]).every((user) => String(user['userPrincipalName']).includes('#EXT#')),
    ).toBe(true);

    const notEqual = await graph('/users?$filter=accountEnabled ne false');
    expect(notEqual.status).toBe(400);
    expect(notEqual.json).toMatchObject({
      error: {
        code: 'Request_UnsupportedQuery',
        message:
          "Unsupported or invalid query filter clause specified for property 'accountEnabled' of resource 'User'.",
      },
    });
    const countWithoutHeader = await graph('/users?$count=true');
    expect(countWithoutHeader.json).toMatchObject({
      error: { code: 'Request_BadRequest', message: '$count is not currently supported.' },
    });
    const advanced = await graph('/users?$filter=accountEnabled ne false&$count=true&$top=5', {
      ConsistencyLevel: 'eventual',
    });
    expect(advanced.status).toBe(200);
    expect(advanced.json['@odata.count']).toBeGreaterThan(200);
    const secondPage = await graph(String(advanced.json['@odata.nextLink']), {
      ConsistencyLevel: 'eventual',
    });
    expect(secondPage.json).not.toHaveProperty('@odata.count');

    const endsWith = await graph("/users?$filter=endsWith(mail,'@contoso.onmicrosoft.com')");
    expect(endsWith.status).toBe(400);
    expect(
      (
        await graph("/users?$filter=endsWith(mail,'@contoso.onmicrosoft.com')&$count=true", {
          ConsistencyLevel: 'eventual',
        })
      ).status,
    ).toBe(200);

    const search = await graph('/users?$search="displayName:adele"');
    expect(search.json).toMatchObject({ error: { code: 'Request_UnsupportedQuery' } });
    expect((await graph('/users?$search="displayName:adele"', { ConsistencyLevel: 'eventual' })).status).toBe(
      200,
    );

    const count = await graph('/users/$count', { ConsistencyLevel: 'eventual' });
    expect(count.text).toBe('250');
    expect((await graph("/users?$filter=department eq 'Sales")).status).toBe(400);
  });

  it('searches users as Microsoft documents $search: header, tokens, OR, $count, paging', async () => {
    const everyone = await graph('/users?$select=id,displayName,mail&$top=999');
    const sample = (everyone.json['value'] as Row[]).find((user) => typeof user['mail'] === 'string');
    const surname = String(sample?.['displayName']).split(' ').pop() ?? '';
    const prefix = surname.slice(0, 3);
    const expected = (everyone.json['value'] as Row[]).filter((user) =>
      String(user['displayName'])
        .split(/\s+/)
        .some((word) => word.toLowerCase().startsWith(prefix.toLowerCase())),
    );

    const without = await graph(`/users?$search="displayName:${prefix}"`);
    expect(without.status).toBe(400);
    expect(without.json).toMatchObject({
      error: {
        code: 'Request_UnsupportedQuery',
        message:
          "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
      },
    });

    const eventual = { ConsistencyLevel: 'eventual' };
    const first = await graph(
      `/users?$search=${encodeURIComponent(`"displayName:${prefix}" OR "mail:${prefix}"`)}&$count=true&$top=2&$select=id,displayName`,
      eventual,
    );
    expect(first.status).toBe(200);
    expect(first.json['@odata.count']).toBeGreaterThanOrEqual(expected.length);
    const found = [...(first.json['value'] as Row[])];
    let link = first.json['@odata.nextLink'] as string | undefined;
    while (link) {
      const page = await graph(link, eventual);
      expect(page.json).not.toHaveProperty('@odata.count');
      found.push(...(page.json['value'] as Row[]));
      link = page.json['@odata.nextLink'] as string | undefined;
    }
    expect(found.map((user) => user['id'])).toEqual(
      expect.arrayContaining(expected.map((user) => user['id'])),
    );
    expect(found).toHaveLength(Number(first.json['@odata.count']));

    // Lower-case operators, no quotes, an unknown property: Request_UnsupportedQuery.
    for (const search of [`"displayName:a" or "mail:b"`, 'displayName:a', '"companyName:a"']) {
      const refused = await graph(`/users?$search=${encodeURIComponent(search)}`, eventual);
      expect(refused.status).toBe(400);
      expect(refused.json).toMatchObject({ error: { code: 'Request_UnsupportedQuery' } });
    }
  });

  it('gets a single user by id and by UPN (guest UPNs with #EXT#) and 404s unknown ones', async () => {
    const list = await graph("/users?$filter=userType eq 'Guest'&$select=id,userPrincipalName&$top=1");
    const guest = (list.json['value'] as Row[])[0] ?? {};
    const byUpn = await graph(
      `/users/${encodeURIComponent(String(guest['userPrincipalName']))}?$select=id,userType`,
    );
    expect(byUpn.json).toMatchObject({ id: guest['id'], userType: 'Guest' });
    const missing = await graph('/users/00000000-0000-0000-0000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error: { code: 'Request_ResourceNotFound' } });
    expect((missing.json['error'] as Row)['innerError']).toMatchObject({
      date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
    });
  });

  it('answers 401 InvalidAuthenticationToken for missing, forged and expired tokens and echoes client-request-id', async () => {
    const missing = await fixture.fetch('/v1.0/users', { headers: { 'client-request-id': 'my-id' } });
    expect(missing.status).toBe(401);
    expect(missing.json).toMatchObject({
      error: {
        code: 'InvalidAuthenticationToken',
        message: 'Access token is empty.',
        innerError: { 'client-request-id': 'my-id' },
      },
    });
    expect(missing.headers.get('client-request-id')).toBe('my-id');
    const forged = await fixture.fetch('/v1.0/users', {
      headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` },
    });
    expect(forged.status).toBe(401);
    const other = await fixture.requestToken({ scope: 'https://graph.microsoft.us/.default' });
    expect((await fixture.graph('/users?$top=1', { token: String(other.json['access_token']) })).status).toBe(
      200,
    );
  });

  it('delta: initial round, then only created/updated/deleted objects with @removed', async () => {
    let link: string | undefined = '/users/delta?$select=displayName,department,accountEnabled';
    let deltaLink = '';
    let total = 0;
    while (link) {
      const page = await graph(link);
      expect(page.status).toBe(200);
      total += (page.json['value'] as Row[]).length;
      link = page.json['@odata.nextLink'] as string | undefined;
      deltaLink = (page.json['@odata.deltaLink'] as string | undefined) ?? deltaLink;
    }
    expect(total).toBe(250);
    expect(deltaLink).toContain('$deltatoken=');

    const control = fixture.emulator.control;
    const created = control.addUser({
      tenant: tenant(),
      user: { userPrincipalName: 'new.person@contoso.onmicrosoft.com', givenName: 'New', surname: 'Person' },
    });
    const [first, second, third] = (await graph('/users?$top=3&$select=id')).json['value'] as Row[];
    control.moveUserToDepartment({ tenant: tenant(), user: String(first?.['id']), department: 'Research' });
    control.deleteUser({ tenant: tenant(), user: String(second?.['id']) });
    control.deleteUser({ tenant: tenant(), user: String(third?.['id']), permanent: true });

    const changes = await graph(deltaLink);
    const value = changes.json['value'] as Row[];
    expect(value).toHaveLength(4);
    expect(value).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: created.id, displayName: 'New Person' }),
        expect.objectContaining({ id: first?.['id'], department: 'Research' }),
        { id: second?.['id'], '@removed': { reason: 'changed' } },
        { id: third?.['id'], '@removed': { reason: 'deleted' } },
      ]),
    );
    const nextDelta = String(changes.json['@odata.deltaLink']);
    const quiet = await graph(nextDelta);
    expect(quiet.json['value']).toEqual([]);

    const latest = await graph('/users/delta?$deltatoken=latest');
    expect(latest.json['value']).toEqual([]);
    expect(latest.json['@odata.deltaLink']).toBeTruthy();
  });

  it('delta tokens expire on demand and after 7 days on the emulator clock (410 syncStateNotFound)', async () => {
    const initial = async (): Promise<string> => {
      let link: string | undefined = '/users/delta?$select=displayName';
      let deltaLink = '';
      while (link) {
        const page = await graph(link);
        link = page.json['@odata.nextLink'] as string | undefined;
        deltaLink = (page.json['@odata.deltaLink'] as string | undefined) ?? deltaLink;
      }
      return deltaLink;
    };
    const forced = await initial();
    fixture.emulator.control.expireDeltaTokens({ tenant: tenant() });
    const expired = await graph(forced);
    expect(expired.status).toBe(410);
    expect(expired.json).toMatchObject({ error: { code: 'syncStateNotFound' } });
    expect(expired.headers.get('location')).toContain('/users/delta?$select=displayName&$deltatoken=');

    const aged = await initial();
    fixture.emulator.control.advanceClock({ days: 7, minutes: 1 });
    const stale = await graph('/users?$top=1');
    expect(stale.json).toMatchObject({
      error: {
        code: 'InvalidAuthenticationToken',
        message: 'Lifetime validation failed, the token is expired.',
      },
    });
    token = await fixture.token();
    expect((await graph(aged)).status).toBe(410);
    expect((await graph('/users/delta?$deltatoken=garbage')).json).toMatchObject({
      error: { code: 'resyncRequired' },
    });
    expect((await graph("/users/delta?$filter=department eq 'Sales'")).status).toBe(400);
  });
  it('PATCH /users/{id} writes businessPhones only with a phone write permission, and delta reports it', async () => {
    const [first] = (await graph('/users?$top=1&$select=id')).json['value'] as Row[];
    const id = String(first?.['id']);
    const patch = (body: unknown, bearer = token) =>
      fixture.graph(`/users/${id}`, {
        token: bearer,
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const denied = await patch({ businessPhones: ['+1 425 555 0100 x1234'] });
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ error: { code: 'Authorization_RequestDenied' } });

    const control = fixture.emulator.control;
    const app = { tenant: tenant(), clientId: fixture.clientId, permissions: ['User-Phone.ReadWrite.All'] };
    control.grantPermissions(app);
    try {
      const writer = await fixture.token();
      let link = '/users/delta?$deltatoken=latest';
      const latest = await graph(link);
      link = String(latest.json['@odata.deltaLink']);
      const done = await patch({ businessPhones: ['+1 425 555 0100 x1234'] }, writer);
      expect(done.status).toBe(204);
      expect(done.text).toBe('');
      const read = await graph(`/users/${id}?$select=businessPhones`);
      expect(read.json['businessPhones']).toEqual(['+1 425 555 0100 x1234']);
      const changes = await graph(link);
      expect(changes.json['value']).toEqual([expect.objectContaining({ id })]);

      expect((await patch({ businessPhones: ['+1 555 1', '+1 555 2'] }, writer)).status).toBe(400);
      expect((await patch({ department: 'Sales' }, writer)).status).toBe(400);
    } finally {
      control.revokePermissions(app);
    }
  });
});
