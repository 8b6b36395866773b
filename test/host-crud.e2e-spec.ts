import { createTestApp, items, type TenantBody, type TestApp } from '@pbx/test/support/create-test-app';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe('host REST API', () => {
  let t: TestApp;
  let system: string;
  let tenant: TenantBody;

  beforeAll(async () => {
    t = await createTestApp();
    system = await t.loginAsSystemAdmin();
    tenant = await t.createTenant(system, { name: 'Contoso', timeZone: 'europe/berlin' });
  });

  afterAll(() => t.close());

  describe('tenants', () => {
    it('normalises the SIP domain and time zone', () => {
      expect(tenant.timeZone).toBe('Europe/Berlin');
      expect(tenant.sipDomain).toBe(tenant.sipDomain.toLowerCase());
    });

    it('lists tenants a page at a time', async () => {
      await t.createTenant(system, { name: 'Zeta' });
      await t.createTenant(system, { name: 'Alpha' });
      const first = await t.as(system).get('/api/tenants?limit=2').expect(200);
      expect(first.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
      expect(items<TenantBody>(first).map((item) => item.name)).toEqual(['Alpha', 'Contoso']);
      const second = await t.as(system).get('/api/tenants?limit=2&offset=2').expect(200);
      expect(items<TenantBody>(second).map((item) => item.name)).toEqual(['Zeta']);
    });

    it('changes and deletes a tenant with everything in it', async () => {
      const doomed = await t.createTenant(system);
      const { user } = await t.createUser(system, doomed.id);
      const renamed = await t
        .as(system)
        .patch(`/api/tenants/${doomed.id}`)
        .send({ name: 'Renamed' })
        .expect(200);
      expect(renamed.body).toMatchObject({ name: 'Renamed', sipDomain: doomed.sipDomain });
      await t.as(system).delete(`/api/tenants/${doomed.id}`).expect(204);
      await t.as(system).get(`/api/tenants/${doomed.id}`).expect(404);
      await t.as(system).delete(`/api/tenants/${doomed.id}`).expect(404);
      const rows = await t.orm.em.getConnection().execute('select 1 from users where id = ?', [user.id]);
      expect(rows).toHaveLength(0);
    });
  });

  describe('users', () => {
    it('creates a user with every field and never returns secrets', async () => {
      const response = await t
        .as(system)
        .post(`/api/tenants/${tenant.id}/users`)
        .send({
          username: ' Alice ',
          extension: '201',
          role: 'tenant-admin',
          displayName: 'Alice Smith',
          firstName: 'Alice',
          lastName: 'Smith',
          email: 'Alice@Contoso.com',
          userPrincipalName: 'alice@contoso.onmicrosoft.com',
          department: 'Sales',
          jobTitle: 'Manager',
          mobilePhone: '+1 425 555 0101',
          businessPhones: ['+1 425 555 0100'],
          officeLocation: 'B4',
          preferredLanguage: 'en-US',
          password: 'a-long-password',
          voicemailPin: '4711',
        })
        .expect(201);
      expect(response.body).toEqual({
        id: expect.any(String),
        tenantId: tenant.id,
        username: 'alice',
        extension: '201',
        role: 'tenant-admin',
        displayName: 'Alice Smith',
        firstName: 'Alice',
        lastName: 'Smith',
        email: 'Alice@Contoso.com',
        userPrincipalName: 'alice@contoso.onmicrosoft.com',
        department: 'Sales',
        jobTitle: 'Manager',
        mobilePhone: '+1 425 555 0101',
        businessPhones: ['+1 425 555 0100'],
        officeLocation: 'B4',
        preferredLanguage: 'en-US',
        enabled: true,
        hasPassword: true,
        voicemailPinSet: true,
        hasPhoto: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(JSON.stringify(response.body)).not.toMatch(/a-long-password|4711|scrypt/);
    });

    it('lists users by extension, a page at a time, and searches', async () => {
      const other = await t.createTenant(system);
      for (const extension of ['305', '303', '304']) {
        await t.createUser(system, other.id, { extension, displayName: `Person ${extension}` });
      }
      const page = await t.as(system).get(`/api/tenants/${other.id}/users?limit=2`).expect(200);
      expect(page.body.total).toBe(3);
      expect(items<{ extension: string }>(page).map((user) => user.extension)).toEqual(['303', '304']);
      const search = await t.as(system).get(`/api/tenants/${other.id}/users?search=son 305`).expect(200);
      expect(items<{ extension: string }>(search).map((user) => user.extension)).toEqual(['305']);
      const wildcard = await t.as(system).get(`/api/tenants/${other.id}/users?search=%25`).expect(200);
      expect(wildcard.body.total).toBe(0);
    });

    it('updates, clears nullable fields, disables, enables and deletes', async () => {
      const { user } = await t.createUser(system, tenant.id, { department: 'Ops' });
      const url = `/api/tenants/${tenant.id}/users/${user.id}`;
      const updated = await t.as(system).patch(url).send({ department: null, jobTitle: 'Lead' }).expect(200);
      expect(updated.body).toMatchObject({ department: null, jobTitle: 'Lead' });
      expect((await t.as(system).post(`${url}/disable`).expect(200)).body.enabled).toBe(false);
      expect((await t.as(system).post(`${url}/enable`).expect(200)).body.enabled).toBe(true);
      await t.as(system).delete(url).expect(204);
      await t.as(system).get(url).expect(404);
    });

    it('signs a user out everywhere when the password changes', async () => {
      const created = await t.createUser(system, tenant.id);
      const token = await t.loginUser(created, tenant);
      await t
        .as(system)
        .patch(`/api/tenants/${tenant.id}/users/${created.user.id}`)
        .send({ password: 'a-new-password' })
        .expect(200);
      await t.as(token).get('/api/auth/me').expect(401);
      await t.login(created.user.username, 'a-new-password', tenant.sipDomain);
    });

    it('stores, serves and removes a profile photo', async () => {
      const created = await t.createUser(system, tenant.id);
      const token = await t.loginUser(created, tenant);
      const url = `/api/tenants/${tenant.id}/users/${created.user.id}/photo`;
      await t.as(token).get(url).expect(404);
      await t.as(token).put(url).set('Content-Type', 'image/png').send(PNG).expect(204);
      const photo = await t.as(token).get(url).expect(200);
      expect(photo.headers['content-type']).toBe('image/png');
      expect(Buffer.from(photo.body as Buffer)).toEqual(PNG);
      const user = await t.as(token).get(`/api/tenants/${tenant.id}/users/${created.user.id}`).expect(200);
      expect(user.body.hasPhoto).toBe(true);
      await t.as(token).delete(url).expect(204);
      await t.as(token).get(url).expect(404);
    });

    it('refuses photos over 4 MiB with 413', async () => {
      const { user } = await t.createUser(system, tenant.id);
      await t
        .as(system)
        .put(`/api/tenants/${tenant.id}/users/${user.id}/photo`)
        .set('Content-Type', 'image/jpeg')
        .send(Buffer.alloc(4 * 1024 * 1024 + 1))
        .expect(413);
    });
  });

  describe('contacts', () => {
    it('keeps personal and company address books apart', async () => {
      const { user } = await t.createUser(system, tenant.id);
      const personal = `/api/tenants/${tenant.id}/users/${user.id}/contacts`;
      const company = `/api/tenants/${tenant.id}/contacts`;
      const created = await t
        .as(system)
        .post(personal)
        .send({
          displayName: 'Dana Lee',
          firstName: 'Dana',
          company: 'Fabrikam',
          businessPhones: ['+44 20 7946 0000'],
          emailAddresses: ['dana@fabrikam.com'],
        })
        .expect(201);
      expect(created.body).toMatchObject({
        ownerKind: 'user',
        ownerUserId: user.id,
        externalId: null,
        externalSource: null,
        homePhones: [],
      });
      await t.as(system).post(company).send({ displayName: 'Reception' }).expect(201);

      expect((await t.as(system).get(personal).expect(200)).body.items).toHaveLength(1);
      const companyList = await t.as(system).get(company).expect(200);
      expect(items<{ displayName: string }>(companyList).map((contact) => contact.displayName)).toContain(
        'Reception',
      );
      expect(items<{ displayName: string }>(companyList).map((contact) => contact.displayName)).not.toContain(
        'Dana Lee',
      );
      // A personal contact is not reachable as a company contact, nor through another user.
      await t.as(system).get(`${company}/${created.body.id}`).expect(404);

      const updated = await t
        .as(system)
        .patch(`${personal}/${created.body.id}`)
        .send({ jobTitle: 'Buyer', firstName: null })
        .expect(200);
      expect(updated.body).toMatchObject({ jobTitle: 'Buyer', firstName: null, displayName: 'Dana Lee' });
      await t.as(system).delete(`${personal}/${created.body.id}`).expect(204);
      expect((await t.as(system).get(personal).expect(200)).body.total).toBe(0);
    });
  });

  describe('presence', () => {
    it('starts Available, changes, and lists the whole tenant', async () => {
      const presenceTenant = await t.createTenant(system);
      const first = await t.createUser(system, presenceTenant.id, { extension: '100' });
      const second = await t.createUser(system, presenceTenant.id, { extension: '101' });
      const url = `/api/tenants/${presenceTenant.id}/users/${first.user.id}/presence`;
      expect((await t.as(system).get(url).expect(200)).body).toEqual({
        userId: first.user.id,
        status: 'AVAILABLE',
        changedAt: first.user.createdAt,
      });
      const set = await t.as(system).put(url).send({ status: 'DND' }).expect(200);
      expect(set.body.status).toBe('DND');
      // Setting the same status again keeps the time it changed.
      const again = await t.as(system).put(url).send({ status: 'DND' }).expect(200);
      expect(again.body.changedAt).toBe(set.body.changedAt);

      const list = await t.as(system).get(`/api/tenants/${presenceTenant.id}/presence`).expect(200);
      expect(list.body).toMatchObject({ total: 2 });
      expect(
        items<{ userId: string; status: string }>(list).map((item) => [item.userId, item.status]),
      ).toEqual([
        [first.user.id, 'DND'],
        [second.user.id, 'AVAILABLE'],
      ]);
    });
  });
});
