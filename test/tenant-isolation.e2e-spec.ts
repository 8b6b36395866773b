import {
  type CreatedUser,
  createTestApp,
  type TenantWithAdmin,
  type TestApp,
} from '@pbx/test/support/create-test-app';

/**
 * The acceptance scenario: a tenant, its admin and users are created over REST, everyone signs in, and
 * a tenant admin of one tenant gets 403 on every piece of another tenant's data.
 */
describe('tenant isolation', () => {
  let t: TestApp;
  let system: string;
  let a: TenantWithAdmin;
  let b: TenantWithAdmin;
  let aliceA: CreatedUser;
  let bobA: CreatedUser;
  let carolB: CreatedUser;
  let aliceToken: string;
  let companyContactB: string;
  let personalContactB: string;

  beforeAll(async () => {
    t = await createTestApp();
    system = await t.loginAsSystemAdmin();
    a = await t.createTenantWithAdmin(system);
    b = await t.createTenantWithAdmin(system);
    // Tenant admins create their own users.
    aliceA = await t.createUser(a.adminToken, a.tenant.id);
    bobA = await t.createUser(a.adminToken, a.tenant.id);
    carolB = await t.createUser(b.adminToken, b.tenant.id);
    aliceToken = await t.loginUser(aliceA, a.tenant);
    companyContactB = (
      await t
        .as(b.adminToken)
        .post(`/api/tenants/${b.tenant.id}/contacts`)
        .send({ displayName: 'Supplier' })
        .expect(201)
    ).body.id;
    personalContactB = (
      await t
        .as(b.adminToken)
        .post(`/api/tenants/${b.tenant.id}/users/${carolB.user.id}/contacts`)
        .send({ displayName: 'Mum' })
        .expect(201)
    ).body.id;
  });

  afterAll(() => t.close());

  const tenantBRequests: [
    string,
    (ctx: { b: string; carol: string; company: string; personal: string }) => string,
  ][] = [
    ['GET', (c) => `/api/tenants/${c.b}`],
    ['GET', (c) => `/api/tenants/${c.b}/users`],
    ['POST', (c) => `/api/tenants/${c.b}/users`],
    ['GET', (c) => `/api/tenants/${c.b}/users/${c.carol}`],
    ['PATCH', (c) => `/api/tenants/${c.b}/users/${c.carol}`],
    ['DELETE', (c) => `/api/tenants/${c.b}/users/${c.carol}`],
    ['POST', (c) => `/api/tenants/${c.b}/users/${c.carol}/disable`],
    ['POST', (c) => `/api/tenants/${c.b}/users/${c.carol}/enable`],
    ['GET', (c) => `/api/tenants/${c.b}/users/${c.carol}/photo`],
    ['PUT', (c) => `/api/tenants/${c.b}/users/${c.carol}/photo`],
    ['DELETE', (c) => `/api/tenants/${c.b}/users/${c.carol}/photo`],
    ['GET', (c) => `/api/tenants/${c.b}/users/${c.carol}/contacts`],
    ['POST', (c) => `/api/tenants/${c.b}/users/${c.carol}/contacts`],
    ['GET', (c) => `/api/tenants/${c.b}/users/${c.carol}/contacts/${c.personal}`],
    ['PATCH', (c) => `/api/tenants/${c.b}/users/${c.carol}/contacts/${c.personal}`],
    ['DELETE', (c) => `/api/tenants/${c.b}/users/${c.carol}/contacts/${c.personal}`],
    ['GET', (c) => `/api/tenants/${c.b}/contacts`],
    ['POST', (c) => `/api/tenants/${c.b}/contacts`],
    ['GET', (c) => `/api/tenants/${c.b}/contacts/${c.company}`],
    ['PATCH', (c) => `/api/tenants/${c.b}/contacts/${c.company}`],
    ['DELETE', (c) => `/api/tenants/${c.b}/contacts/${c.company}`],
    ['GET', (c) => `/api/tenants/${c.b}/presence`],
    ['GET', (c) => `/api/tenants/${c.b}/users/${c.carol}/presence`],
    ['PUT', (c) => `/api/tenants/${c.b}/users/${c.carol}/presence`],
  ];

  function send(token: string, method: string, url: string) {
    const agent = t.as(token);
    const body = { displayName: 'X', status: 'AWAY' };
    switch (method) {
      case 'GET':
        return agent.get(url);
      case 'POST':
        return agent.post(url).send(body);
      case 'PUT':
        return agent.put(url).send(body);
      case 'PATCH':
        return agent.patch(url).send(body);
      default:
        return agent.delete(url);
    }
  }

  it.each(tenantBRequests)("gives tenant A's admin 403 on tenant B's data: %s %s", async (method, url) => {
    const path = url({
      b: b.tenant.id,
      carol: carolB.user.id,
      company: companyContactB,
      personal: personalContactB,
    });
    const response = await send(a.adminToken, method, path).expect(403);
    expect(response.body).toMatchObject({ statusCode: 403 });
  });

  it("gives tenant A's users 403 on tenant B's data too", async () => {
    await t.as(aliceToken).get(`/api/tenants/${b.tenant.id}/users`).expect(403);
    await t.as(aliceToken).get(`/api/tenants/${b.tenant.id}/users/${carolB.user.id}/presence`).expect(403);
    await t.as(aliceToken).get(`/api/tenants/${b.tenant.id}/contacts`).expect(403);
  });

  it("keeps tenant B's data unchanged after all those attempts", async () => {
    const carol = await t
      .as(b.adminToken)
      .get(`/api/tenants/${b.tenant.id}/users/${carolB.user.id}`)
      .expect(200);
    expect(carol.body).toMatchObject({ displayName: carolB.user.displayName, enabled: true });
    await t.as(b.adminToken).get(`/api/tenants/${b.tenant.id}/contacts/${companyContactB}`).expect(200);
  });

  it("does not find tenant B's user through tenant A's URL", async () => {
    await t.as(a.adminToken).get(`/api/tenants/${a.tenant.id}/users/${carolB.user.id}`).expect(404);
    await t
      .as(a.adminToken)
      .patch(`/api/tenants/${a.tenant.id}/users/${carolB.user.id}`)
      .send({})
      .expect(404);
  });

  it('lets the system admin reach every tenant', async () => {
    await t.as(system).get(`/api/tenants/${a.tenant.id}/users`).expect(200);
    await t.as(system).get(`/api/tenants/${b.tenant.id}/users/${carolB.user.id}/contacts`).expect(200);
  });

  it('keeps tenant management to system admins', async () => {
    await t.as(a.adminToken).get('/api/tenants').expect(403);
    await t
      .as(a.adminToken)
      .post('/api/tenants')
      .send({ name: 'Mine', sipDomain: 'mine.pbx.test', timeZone: 'UTC' })
      .expect(403);
    await t.as(a.adminToken).patch(`/api/tenants/${a.tenant.id}`).send({ name: 'Renamed' }).expect(403);
    await t.as(a.adminToken).delete(`/api/tenants/${a.tenant.id}`).expect(403);
    const own = await t.as(a.adminToken).get(`/api/tenants/${a.tenant.id}`).expect(200);
    expect(own.body).toMatchObject({ id: a.tenant.id, sipDomain: a.tenant.sipDomain });
  });

  describe('within a tenant, a plain user', () => {
    it('reads the directory, the company contacts and everyone’s presence', async () => {
      const users = await t.as(aliceToken).get(`/api/tenants/${a.tenant.id}/users`).expect(200);
      expect(users.body.total).toBe(3);
      await t.as(aliceToken).get(`/api/tenants/${a.tenant.id}/contacts`).expect(200);
      await t.as(aliceToken).get(`/api/tenants/${a.tenant.id}/users/${bobA.user.id}/presence`).expect(200);
    });

    it('may not administer', async () => {
      await t.as(aliceToken).post(`/api/tenants/${a.tenant.id}/users`).send({}).expect(403);
      await t.as(aliceToken).patch(`/api/tenants/${a.tenant.id}/users/${bobA.user.id}`).send({}).expect(403);
      await t.as(aliceToken).post(`/api/tenants/${a.tenant.id}/users/${bobA.user.id}/disable`).expect(403);
      await t
        .as(aliceToken)
        .post(`/api/tenants/${a.tenant.id}/contacts`)
        .send({ displayName: 'X' })
        .expect(403);
    });

    it("keeps out of a colleague's personal contacts, presence and photo", async () => {
      await t.as(aliceToken).get(`/api/tenants/${a.tenant.id}/users/${bobA.user.id}/contacts`).expect(403);
      await t
        .as(aliceToken)
        .put(`/api/tenants/${a.tenant.id}/users/${bobA.user.id}/presence`)
        .send({ status: 'AWAY' })
        .expect(403);
      await t.as(aliceToken).delete(`/api/tenants/${a.tenant.id}/users/${bobA.user.id}/photo`).expect(403);
    });

    it('manages their own contacts and presence', async () => {
      await t
        .as(aliceToken)
        .post(`/api/tenants/${a.tenant.id}/users/${aliceA.user.id}/contacts`)
        .send({ displayName: 'Dentist' })
        .expect(201);
      const presence = await t
        .as(aliceToken)
        .put(`/api/tenants/${a.tenant.id}/users/${aliceA.user.id}/presence`)
        .send({ status: 'LUNCH' })
        .expect(200);
      expect(presence.body).toMatchObject({ userId: aliceA.user.id, status: 'LUNCH' });
    });
  });
});
