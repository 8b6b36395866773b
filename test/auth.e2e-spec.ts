import { createTestApp, TEST_ADMIN_PASSWORD, type TestApp } from '@pbx/test/support/create-test-app';

describe('authentication', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ swagger: true });
  });

  afterAll(() => t.close());

  it('boots with the bootstrap system admin, who signs in without a SIP domain', async () => {
    const login = await t.login('admin', TEST_ADMIN_PASSWORD);
    expect(login.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Date(login.expiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(login.user).toMatchObject({
      username: 'admin',
      role: 'system-admin',
      tenantId: null,
      extension: null,
    });
    expect(login.user).not.toHaveProperty('passwordHash');

    const me = await t.as(login.token).get('/api/auth/me').expect(200);
    expect(me.body).toMatchObject({
      user: { username: 'admin' },
      session: { role: 'system-admin', tenantId: null },
    });
  });

  it.each([
    ['wrong password', { username: 'admin', password: 'wrong-password' }],
    ['unknown user', { username: 'nobody', password: TEST_ADMIN_PASSWORD }],
    ['unknown SIP domain', { username: 'admin', password: TEST_ADMIN_PASSWORD, sipDomain: 'nowhere.test' }],
  ])('refuses a login with a %s with the same 401', async (_case, body) => {
    const response = await t.http().post('/api/auth/login').send(body).expect(401);
    expect(response.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Invalid username, password or SIP domain',
    });
  });

  it('locks a name out after five failures in a row, with back-off, even for the right password', async () => {
    const { tenant } = await t.createTenantWithAdmin();
    const user = await t.createUser(await t.loginAsSystemAdmin(), tenant.id, { username: 'guessed' });
    const attempt = (password: string) =>
      t.http().post('/api/auth/login').send({ username: 'guessed', password, sipDomain: tenant.sipDomain });
    for (let i = 0; i < 5; i++) await attempt('wrong-password').expect(401);
    const locked = await attempt(user.password).expect(429);
    expect(locked.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringMatching(/^Too many failed sign-ins; try again in \d+ seconds$/),
    });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(20);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(30);
    // An unknown name locks the same way: the lock tells nothing about which accounts exist.
    for (let i = 0; i < 5; i++) {
      await t.http().post('/api/auth/login').send({ username: 'nobody-at-all', password: 'x' }).expect(401);
    }
    await t.http().post('/api/auth/login').send({ username: 'nobody-at-all', password: 'x' }).expect(429);

    // The lock runs out (moved into the past here); the next failure locks twice as long.
    const expire = () =>
      t.orm.em.fork().execute(`update login_failures set locked_until = now() - interval '1 second'`);
    await expire();
    await attempt('wrong-password').expect(401);
    const longer = await attempt(user.password).expect(429);
    expect(Number(longer.headers['retry-after'])).toBeGreaterThan(50);
    expect(Number(longer.headers['retry-after'])).toBeLessThanOrEqual(60);
    // A success once unlocked starts the count over.
    await expire();
    await attempt(user.password).expect(200);
    await attempt('wrong-password').expect(401);
    await attempt(user.password).expect(200);
  });

  it('signs tenant users in with their SIP domain only', async () => {
    const { tenant } = await t.createTenantWithAdmin();
    const user = await t.createUser(await t.loginAsSystemAdmin(), tenant.id, { username: 'carol' });
    await t.http().post('/api/auth/login').send({ username: 'carol', password: user.password }).expect(401);
    const login = await t.login('CAROL', user.password, tenant.sipDomain.toUpperCase());
    expect(login.user).toMatchObject({ username: 'carol', role: 'user', tenantId: tenant.id });
  });

  it('answers 401 without, with a malformed and with an unknown token', async () => {
    await t.http().get('/api/auth/me').expect(401);
    await t.http().get('/api/auth/me').set('Authorization', 'Basic YWRtaW46YWRtaW4=').expect(401);
    await t.as('x'.repeat(43)).get('/api/auth/me').expect(401);
    await t.http().get('/api/tenants').expect(401);
  });

  it('ends the session on logout', async () => {
    const token = await t.loginAsSystemAdmin();
    await t.as(token).post('/api/auth/logout').expect(204);
    await t.as(token).get('/api/auth/me').expect(401);
  });

  it('ends the sessions of a user who is disabled, and refuses their login', async () => {
    const system = await t.loginAsSystemAdmin();
    const tenant = await t.createTenant(system);
    const user = await t.createUser(system, tenant.id);
    const token = await t.loginUser(user, tenant);
    await t.as(system).post(`/api/tenants/${tenant.id}/users/${user.user.id}/disable`).expect(200);
    await t.as(token).get('/api/auth/me').expect(401);
    await t
      .http()
      .post('/api/auth/login')
      .send({ username: user.user.username, password: user.password, sipDomain: tenant.sipDomain })
      .expect(401);
    await t.as(system).post(`/api/tenants/${tenant.id}/users/${user.user.id}/enable`).expect(200);
    await t.loginUser(user, tenant);
  });

  it('answers the health check without a session', async () => {
    expect((await t.http().get('/api/health').expect(200)).body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' } },
    });
  });

  it('documents every host endpoint in Swagger at /api/docs', async () => {
    await t.http().get('/api/docs').expect(200);
    const document = await t.http().get('/api/docs/json').expect(200);
    const paths = Object.keys(document.body.paths as Record<string, unknown>);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/auth/login',
        '/api/auth/logout',
        '/api/auth/me',
        '/api/tenants',
        '/api/tenants/{tenantId}',
        '/api/tenants/{tenantId}/users',
        '/api/tenants/{tenantId}/users/{userId}',
        '/api/tenants/{tenantId}/users/{userId}/enable',
        '/api/tenants/{tenantId}/users/{userId}/disable',
        '/api/tenants/{tenantId}/users/{userId}/photo',
        '/api/tenants/{tenantId}/users/{userId}/contacts',
        '/api/tenants/{tenantId}/users/{userId}/contacts/{contactId}',
        '/api/tenants/{tenantId}/contacts',
        '/api/tenants/{tenantId}/contacts/{contactId}',
        '/api/tenants/{tenantId}/presence',
        '/api/tenants/{tenantId}/users/{userId}/presence',
        '/api/health',
      ]),
    );
    const hostOperations = Object.entries(
      document.body.paths as Record<string, Record<string, { summary?: string }>>,
    )
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([, operations]) => Object.values(operations));
    expect(hostOperations.filter((operation) => !operation.summary)).toEqual([]);
  });
});
