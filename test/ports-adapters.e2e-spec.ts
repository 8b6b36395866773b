import { MICROSOFT365_SOURCE } from '@pbx/host/microsoft365/pbx-contacts.adapter';
import {
  PBX_ADMIN_ACCESS,
  PBX_CONTACTS,
  PBX_DIRECTORY,
  PBX_PRESENCE,
  PBX_SESSIONS,
  PBX_TENANTS,
  type PbxAdminAccessPort,
  type PbxContact,
  type PbxContactsPort,
  type PbxDirectoryPort,
  type PbxPresencePort,
  type PbxSessionsPort,
  type PbxTenantsPort,
  type PbxUserProfile,
} from '@pbx/microsoft365';
import {
  type ContactBody,
  createTestApp,
  type TenantWithAdmin,
  type TestApp,
} from '@pbx/test/support/create-test-app';
import { randomUUID } from 'node:crypto';

function profile(name: string, extra: Partial<PbxUserProfile> = {}): PbxUserProfile {
  return {
    displayName: name,
    firstName: name,
    lastName: null,
    email: `${name.toLowerCase()}@contoso.com`,
    userPrincipalName: `${name.toLowerCase()}@contoso.onmicrosoft.com`,
    department: null,
    jobTitle: null,
    mobilePhone: null,
    businessPhones: [],
    officeLocation: null,
    preferredLanguage: null,
    ...extra,
  };
}

function contact(externalId: string, displayName: string, extra: Partial<PbxContact> = {}): PbxContact {
  return {
    externalId,
    displayName,
    firstName: null,
    lastName: null,
    company: null,
    jobTitle: null,
    businessPhones: [],
    homePhones: [],
    mobilePhone: null,
    emailAddresses: [],
    ...extra,
  };
}

/** The host's implementation of every port, exercised as the Microsoft 365 module calls it (no request context). */
describe('host ports adapters', () => {
  let t: TestApp;
  let system: string;
  let a: TenantWithAdmin;
  let b: TenantWithAdmin;
  let directory: PbxDirectoryPort;
  let contacts: PbxContactsPort;
  let presence: PbxPresencePort;
  let sessions: PbxSessionsPort;
  let adminAccess: PbxAdminAccessPort;
  let tenants: PbxTenantsPort;

  beforeAll(async () => {
    t = await createTestApp();
    system = await t.loginAsSystemAdmin();
    a = await t.createTenantWithAdmin(system);
    b = await t.createTenantWithAdmin(system);
    directory = t.get(PBX_DIRECTORY);
    contacts = t.get(PBX_CONTACTS);
    presence = t.get(PBX_PRESENCE);
    sessions = t.get(PBX_SESSIONS);
    adminAccess = t.get(PBX_ADMIN_ACCESS);
    tenants = t.get(PBX_TENANTS);
  });

  afterAll(() => t.close());

  describe('directory', () => {
    it('creates a batch, reporting taken extensions per item without aborting the others', async () => {
      await t.createUser(system, a.tenant.id, { extension: '2002' });
      const results = await directory.createUsers(a.tenant.id, [
        { key: 'new', profile: profile('Nina'), extension: '2001', enabled: true },
        { key: 'taken', profile: profile('Tom'), extension: '2002', enabled: true },
        { key: 'first', profile: profile('Fay'), extension: '2003', enabled: false },
        { key: 'same-in-batch', profile: profile('Sam'), extension: '2003', enabled: true },
        { key: 'bad', profile: profile('Bea'), extension: '20x4', enabled: true },
      ]);
      expect(results).toEqual([
        { key: 'new', status: 'created', id: expect.any(String) },
        { key: 'taken', status: 'extension-taken' },
        { key: 'first', status: 'created', id: expect.any(String) },
        { key: 'same-in-batch', status: 'extension-taken' },
        { key: 'bad', status: 'failed', reason: expect.stringMatching(/3 to 13 digits/) },
      ]);
      const [nina] = await directory.findUsers(a.tenant.id, { ids: [(results[0] as { id: string }).id] });
      expect(nina).toMatchObject({
        extension: '2001',
        enabled: true,
        displayName: 'Nina',
        email: 'nina@contoso.com',
      });
      const rest = await t.as(system).get(`/api/tenants/${a.tenant.id}/users/${nina?.id}`).expect(200);
      expect(rest.body).toMatchObject({
        username: 'nina@contoso.onmicrosoft.com',
        role: 'user',
        hasPassword: false,
      });
    });

    it('reports a username collision as a failure of that item only', async () => {
      await t.createUser(system, a.tenant.id, {
        username: 'olga@contoso.onmicrosoft.com',
        extension: '2101',
      });
      const results = await directory.createUsers(a.tenant.id, [
        { key: 'olga', profile: profile('Olga'), extension: '2102', enabled: true },
        { key: 'otto', profile: profile('Otto'), extension: '2103', enabled: true },
      ]);
      expect(results.map((result) => result.status)).toEqual(['failed', 'created']);
    });

    it('fails every item for an unknown tenant', async () => {
      const results = await directory.createUsers(randomUUID(), [
        { key: 'x', profile: profile('X'), extension: '999', enabled: true },
      ]);
      expect(results).toEqual([{ key: 'x', status: 'failed', reason: 'unknown PBX tenant' }]);
    });

    it('finds users by id, email and UPN in one call, case-insensitively, in the tenant only', async () => {
      const [ida] = await directory.createUsers(a.tenant.id, [
        { key: 'ida', profile: profile('Ida'), extension: '2201', enabled: true },
      ]);
      await directory.createUsers(b.tenant.id, [
        { key: 'ida-b', profile: profile('Ida'), extension: '2201', enabled: true },
      ]);
      const byEmail = await directory.findUsers(a.tenant.id, { emails: ['IDA@CONTOSO.COM'] });
      expect(byEmail.map((user) => user.id)).toEqual([(ida as { id: string }).id]);
      const byUpn = await directory.findUsers(a.tenant.id, {
        userPrincipalNames: ['Ida@Contoso.OnMicrosoft.com'],
      });
      expect(byUpn).toHaveLength(1);
      const mixed = await directory.findUsers(a.tenant.id, {
        ids: [a.admin.id, 'not-a-uuid'],
        emails: ['nina@contoso.com', 'nobody@contoso.com'],
        userPrincipalNames: ['fay@contoso.onmicrosoft.com'],
      });
      expect(mixed.map((user) => user.displayName).sort()).toEqual(
        ['Fay', 'Nina', a.admin.displayName].sort(),
      );
      expect(await directory.findUsers(a.tenant.id, {})).toEqual([]);
      expect(await directory.findUsers('not-a-uuid', { emails: ['ida@contoso.com'] })).toEqual([]);
    });

    it('finds every match of a lookup larger than one IN list, each user once, ordered by id', async () => {
      // 450 users: more than two of the adapter's chunks of 200, matched by UPN in one chunk and email in another.
      const created = await directory.createUsers(
        a.tenant.id,
        Array.from({ length: 450 }, (_, i) => ({
          key: `bulk${i}`,
          profile: profile(`Bulk${i}`),
          extension: String(30000 + i),
          enabled: true,
        })),
      );
      const ids = created.map((result) => (result as { id: string }).id);
      const found = await directory.findUsers(a.tenant.id, {
        userPrincipalNames: Array.from({ length: 450 }, (_, i) => `bulk${i}@contoso.onmicrosoft.com`),
        emails: Array.from({ length: 450 }, (_, i) => `BULK${449 - i}@contoso.com`),
      });
      expect(found.map((user) => user.id)).toEqual([...ids].sort());
    });

    it('answers which extensions are used, in one query', async () => {
      expect(await directory.findUsedExtensions(a.tenant.id, ['2001', '2002', '7777', '2001'])).toEqual([
        '2001',
        '2002',
      ]);
      expect(await directory.findUsedExtensions(b.tenant.id, ['2001'])).toEqual([]);
    });

    it('lists all users with a cursor', async () => {
      const tenant = await t.createTenant(system);
      await directory.createUsers(
        tenant.id,
        ['301', '302', '303', '304', '305'].map((extension) => ({
          key: extension,
          profile: profile(`P${extension}`),
          extension,
          enabled: true,
        })),
      );
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await directory.listUsers(tenant.id, { limit: 2, ...(after ? { after } : {}) });
        seen.push(...page.users.map((user) => user.extension));
        after = page.next;
        pages += 1;
      } while (after);
      expect(pages).toBe(3);
      expect(seen.sort()).toEqual(['301', '302', '303', '304', '305']);
    });

    it('updates Microsoft-owned fields only, and ends the sessions of disabled users', async () => {
      const created = await t.createUser(system, a.tenant.id, {
        extension: '2301',
        username: 'paul',
        voicemailPin: '1234',
        department: 'Old',
      });
      const token = await t.loginUser(created, a.tenant);
      await directory.updateUsers(a.tenant.id, [
        {
          id: created.user.id,
          // Whatever else a caller sends, PBX-owned fields are not touched.
          profile: {
            department: 'New',
            jobTitle: 'Engineer',
            ...({ extension: '9999', username: 'hacked' } as object),
          },
          enabled: false,
        },
        { id: randomUUID(), profile: { department: 'Ghost' } },
      ]);
      const user = await t.as(system).get(`/api/tenants/${a.tenant.id}/users/${created.user.id}`).expect(200);
      expect(user.body).toMatchObject({
        department: 'New',
        jobTitle: 'Engineer',
        enabled: false,
        extension: '2301',
        username: 'paul',
        voicemailPinSet: true,
        hasPassword: true,
        role: 'user',
      });
      await t.as(token).get('/api/auth/me').expect(401);
    });

    it('does not update or delete users of another tenant', async () => {
      await directory.updateUsers(b.tenant.id, [{ id: a.admin.id, profile: { displayName: 'Hijacked' } }]);
      await directory.deleteUsers(b.tenant.id, [a.admin.id]);
      const admin = await t.as(system).get(`/api/tenants/${a.tenant.id}/users/${a.admin.id}`).expect(200);
      expect(admin.body.displayName).toBe(a.admin.displayName);
    });

    it('sets and removes photos, served by the host', async () => {
      const { user } = await t.createUser(system, a.tenant.id);
      const data = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
      await directory.setPhotos(a.tenant.id, [
        { userId: user.id, photo: { contentType: 'image/jpeg', data } },
      ]);
      const photo = await t.as(system).get(`/api/tenants/${a.tenant.id}/users/${user.id}/photo`).expect(200);
      expect(photo.headers['content-type']).toBe('image/jpeg');
      expect(Buffer.from(photo.body as Buffer)).toEqual(data);
      await directory.setPhotos(a.tenant.id, [{ userId: user.id, photo: null }]);
      await t.as(system).get(`/api/tenants/${a.tenant.id}/users/${user.id}/photo`).expect(404);
    });

    it("joins the caller's transaction, so a module that rolls back leaves nothing behind", async () => {
      await expect(
        t.orm.em.fork().transactional(async () => {
          const [result] = await directory.createUsers(a.tenant.id, [
            { key: 'tx', profile: profile('Rolled'), extension: '2401', enabled: true },
          ]);
          expect(result?.status).toBe('created');
          throw new Error('the module changed its mind');
        }),
      ).rejects.toThrow('the module changed its mind');
      expect(await directory.findUsedExtensions(a.tenant.id, ['2401'])).toEqual([]);
    });

    it('deletes users', async () => {
      const { user } = await t.createUser(system, a.tenant.id);
      await directory.deleteUsers(a.tenant.id, [user.id, 'not-a-uuid']);
      await t.as(system).get(`/api/tenants/${a.tenant.id}/users/${user.id}`).expect(404);
    });
  });

  describe('contacts', () => {
    const companyUrl = () => `/api/tenants/${a.tenant.id}/contacts?limit=200`;
    const names = async (url: string) =>
      ((await t.as(system).get(url).expect(200)).body.items as ContactBody[])
        .map((item) => item.displayName)
        .sort();

    it('upserts, lists and deletes by external id, leaving hand-made contacts alone', async () => {
      await t
        .as(system)
        .post(`/api/tenants/${a.tenant.id}/contacts`)
        .send({ displayName: 'Hand made' })
        .expect(201);
      const company = { kind: 'company' } as const;
      await contacts.upsertContacts(a.tenant.id, company, [
        contact('m365-1', 'Supplier One', { businessPhones: ['+1 555 0100'], emailAddresses: ['one@s.com'] }),
        contact('m365-2', 'Supplier Two'),
      ]);
      expect(await contacts.listExternalIds(a.tenant.id, company)).toEqual(['m365-1', 'm365-2']);
      expect(await names(companyUrl())).toEqual(['Hand made', 'Supplier One', 'Supplier Two']);

      await contacts.upsertContacts(a.tenant.id, company, [
        contact('m365-1', 'Supplier One Renamed', { businessPhones: ['+1 555 0199'] }),
        contact('m365-3', 'Supplier Three'),
        contact('m365-3', 'Supplier Three (last wins)'),
      ]);
      const list = (await t.as(system).get(companyUrl()).expect(200)).body.items as ContactBody[];
      expect(list.find((item) => item.externalId === 'm365-1')).toMatchObject({
        displayName: 'Supplier One Renamed',
        businessPhones: ['+1 555 0199'],
        emailAddresses: [],
        externalSource: MICROSOFT365_SOURCE,
        ownerKind: 'company',
      });
      expect(list.filter((item) => item.externalId === 'm365-3').map((item) => item.displayName)).toEqual([
        'Supplier Three (last wins)',
      ]);

      await contacts.deleteContacts(a.tenant.id, company, ['m365-1', 'm365-2', 'unknown']);
      expect(await contacts.listExternalIds(a.tenant.id, company)).toEqual(['m365-3']);
      expect(await names(companyUrl())).toEqual(['Hand made', 'Supplier Three (last wins)']);
    });

    it("keeps users' personal address books apart from each other and from the company's", async () => {
      const first = await t.createUser(system, a.tenant.id);
      const second = await t.createUser(system, a.tenant.id);
      const mine = { kind: 'user', userId: first.user.id } as const;
      await contacts.upsertContacts(a.tenant.id, mine, [contact('same-id', 'Mine')]);
      await contacts.upsertContacts(a.tenant.id, { kind: 'user', userId: second.user.id }, [
        contact('same-id', 'Theirs'),
      ]);
      expect(await contacts.listExternalIds(a.tenant.id, mine)).toEqual(['same-id']);
      expect(await names(`/api/tenants/${a.tenant.id}/users/${first.user.id}/contacts`)).toEqual(['Mine']);
      expect(await names(`/api/tenants/${a.tenant.id}/users/${second.user.id}/contacts`)).toEqual(['Theirs']);
      expect(await contacts.listExternalIds(a.tenant.id, { kind: 'company' })).not.toContain('same-id');
      await contacts.deleteContacts(a.tenant.id, mine, ['same-id']);
      expect(await names(`/api/tenants/${a.tenant.id}/users/${second.user.id}/contacts`)).toEqual(['Theirs']);
    });

    it("refuses to write into another tenant's user's address book", async () => {
      await expect(
        contacts.upsertContacts(b.tenant.id, { kind: 'user', userId: a.admin.id }, [contact('x', 'X')]),
      ).rejects.toThrow(/Unknown PBX tenant or owner/);
      expect(await contacts.listExternalIds(b.tenant.id, { kind: 'user', userId: a.admin.id })).toEqual([]);
    });

    it('writes thousands of contacts in bulk', async () => {
      const many = Array.from({ length: 2500 }, (_, index) => contact(`bulk-${index}`, `Bulk ${index}`));
      const started = Date.now();
      await contacts.upsertContacts(b.tenant.id, { kind: 'company' }, many);
      await contacts.upsertContacts(b.tenant.id, { kind: 'company' }, many);
      expect(await contacts.listExternalIds(b.tenant.id, { kind: 'company' })).toHaveLength(2500);
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  });

  describe('presence', () => {
    it('offers the host statuses and sets and reads them', async () => {
      expect(await presence.listStatuses(a.tenant.id)).toEqual([
        'AVAILABLE',
        'AWAY',
        'DND',
        'IN_A_MEETING',
        'OUT_OF_OFFICE',
        'BUSINESS_TRIP',
        'LUNCH',
        'OFFLINE',
      ]);
      await presence.setStatus(a.tenant.id, a.admin.id, 'IN_A_MEETING');
      const rest = await t
        .as(system)
        .get(`/api/tenants/${a.tenant.id}/users/${a.admin.id}/presence`)
        .expect(200);
      expect(rest.body.status).toBe('IN_A_MEETING');
      const states = await presence.getStatuses(a.tenant.id, [a.admin.id, b.admin.id, 'nope']);
      expect([...states.keys()]).toEqual([a.admin.id]);
      expect(states.get(a.admin.id)).toEqual({ status: 'IN_A_MEETING', changedAt: expect.any(Date) });
      await expect(presence.setStatus(a.tenant.id, a.admin.id, 'BUSY')).rejects.toThrow(
        /Unknown presence status/,
      );
      await expect(presence.setStatus(b.tenant.id, a.admin.id, 'AWAY')).rejects.toThrow();
    });
  });

  describe('sessions', () => {
    it('issues the same kind of session as password login, with the role asked for', async () => {
      const { user } = await t.createUser(system, a.tenant.id);
      const session = await sessions.issueSession({
        pbxTenantId: a.tenant.id,
        userId: user.id,
        role: 'tenant-admin',
        client: 'web',
      });
      expect(session.expiresAt.getTime()).toBeGreaterThan(Date.now());
      const me = await t.as(session.token).get('/api/auth/me').expect(200);
      expect(me.body).toMatchObject({
        user: { id: user.id },
        session: { role: 'tenant-admin', tenantId: a.tenant.id },
      });
      await sessions.revokeSession(session.token);
      await t.as(session.token).get('/api/auth/me').expect(401);
    });

    it('refuses sessions across tenants and tenant-less sessions for tenant users', async () => {
      await expect(
        sessions.issueSession({ pbxTenantId: b.tenant.id, userId: a.admin.id, role: 'user', client: 'app' }),
      ).rejects.toThrow(/does not belong/);
      await expect(
        sessions.issueSession({ pbxTenantId: null, userId: a.admin.id, role: 'user', client: 'web' }),
      ).rejects.toThrow(/Only system admins/);
    });
  });

  describe('admin access', () => {
    const request = (token?: string) => ({ headers: token ? { authorization: `Bearer ${token}` } : {} });

    it('lets system admins administer everything and tenant admins their own tenant', async () => {
      expect(await adminAccess.canAdministerTenant(request(system), b.tenant.id)).toEqual({
        allowed: true,
        actor: { id: expect.any(String), displayName: 'System administrator', isSystemAdmin: true },
      });
      expect(await adminAccess.canAdministerSystem(request(system))).toMatchObject({ allowed: true });
      expect(await adminAccess.canAdministerTenant(request(a.adminToken), a.tenant.id)).toEqual({
        allowed: true,
        actor: { id: a.admin.id, displayName: a.admin.displayName, isSystemAdmin: false },
      });
    });

    it('refuses tenant admins elsewhere, plain users, and anonymous requests', async () => {
      const user = await t.createUser(system, a.tenant.id);
      const userToken = await t.loginUser(user, a.tenant);
      expect(await adminAccess.canAdministerTenant(request(a.adminToken), b.tenant.id)).toEqual({
        allowed: false,
        reason: 'forbidden',
      });
      expect(await adminAccess.canAdministerSystem(request(a.adminToken))).toEqual({
        allowed: false,
        reason: 'forbidden',
      });
      expect(await adminAccess.canAdministerTenant(request(userToken), a.tenant.id)).toEqual({
        allowed: false,
        reason: 'forbidden',
      });
      for (const anonymous of [request(), request('x'.repeat(43)), undefined, 'junk', { headers: null }]) {
        expect(await adminAccess.canAdministerTenant(anonymous, a.tenant.id)).toEqual({
          allowed: false,
          reason: 'unauthenticated',
        });
      }
    });
  });

  describe('tenants', () => {
    it('finds tenants by id and by SIP domain, case-insensitively', async () => {
      expect(await tenants.findById(a.tenant.id)).toEqual({
        id: a.tenant.id,
        name: a.tenant.name,
        sipDomain: a.tenant.sipDomain,
        timeZone: a.tenant.timeZone,
      });
      expect((await tenants.findBySipDomain(` ${a.tenant.sipDomain.toUpperCase()} `))?.id).toBe(a.tenant.id);
      expect(await tenants.findById(randomUUID())).toBeNull();
      expect(await tenants.findById('system')).toBeNull();
      expect(await tenants.findBySipDomain('nowhere.test')).toBeNull();
    });
  });
});
