import { createTestApp, type TenantWithAdmin, type TestApp } from '@pbx/test/support/create-test-app';
import {
  connectTenant,
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';
import { randomUUID } from 'node:crypto';

/**
 * The module's anonymous routes under attack: rate limits per client address (counted in PostgreSQL, so that they
 * hold across instances), the cap on a tenant's pending sign-ins, and a forged notification post that must not
 * cost one database query per item.
 */
describe('Microsoft 365 rate limits and flood protection', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let pbx: TenantWithAdmin;

  beforeAll(async () => {
    m365 = await startEmulatedMicrosoft365();
    t = await createTestApp({
      microsoft365: {
        ...m365.moduleOptions,
        rateLimits: {
          signIn: { limit: 5, windowSeconds: 60 },
          signInFailures: { limit: 3, windowSeconds: 60 },
          codeExchange: { limit: 3, windowSeconds: 60 },
          notifications: { limit: 4, windowSeconds: 60 },
        },
        sso: { maxPendingSignIns: 2 },
      },
    });
    pbx = await t.createTenantWithAdmin();
    await connectTenant(t, m365, pbx, { settings: { features: { singleSignOn: true } } });
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  const counters = async () =>
    Number(
      (
        await t.orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from m365_rate_limit_counters`)
      )[0]?.n,
    );

  it('caps the sign-ins a tenant may have pending, before decrypting its key or writing a row', async () => {
    const login = () => t.http().get(`/api/microsoft365/sso/login?tenant=${pbx.tenant.id}`);
    expect((await login()).status).toBe(302);
    expect((await login()).status).toBe(302);
    const capped = await login();
    expect(capped.status).toBe(429);
    expect(capped.text).toContain('data-error-code="SSO_TOO_MANY_SIGN_INS"');
    const rows = await t.orm.em
      .fork()
      .execute<{ n: string }[]>(`select count(*) as n from m365_sso_transactions where scope = ?`, [
        pbx.tenant.id,
      ]);
    expect(Number(rows[0]?.n)).toBe(2);
  });

  it('limits sign-in requests per address with 429, Retry-After and the module’s error shape', async () => {
    // Three of five used above; the unknown tenant counts too: the limit comes before any lookup.
    await t.http().get('/api/microsoft365/sso/login?sipDomain=nobody.example').expect(404);
    await t.http().get('/api/microsoft365/sso/login?sipDomain=nobody.example').expect(404);
    const limited = await t.http().get('/api/microsoft365/sso/login?sipDomain=nobody.example');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.body).toMatchObject({
      statusCode: 429,
      code: 'RATE_LIMITED',
      details: { retryAfterSeconds: 60 },
    });
    // Counted in PostgreSQL, where every instance of the PBX sees the same counters.
    expect(await counters()).toBeGreaterThan(0);
  });

  it('limits failed sign-in callbacks per address, counting each before it is answered', async () => {
    const failedCallback = () =>
      t
        .http()
        .post('/api/microsoft365/sso/callback')
        .type('form')
        .send({ state: randomUUID(), code: 'made-up' });
    const counted = async () =>
      Number(
        (
          await t.orm.em
            .fork()
            .execute<{ hits: number }[]>(
              `select coalesce(sum(hits), 0) as hits from m365_rate_limit_counters`,
            )
        )[0]?.hits,
      );
    const before = await counted();
    for (let i = 1; i <= 3; i++) {
      const refused = await failedCallback();
      // Refused as a sign-in (a page with its code), not by the limit yet; already counted when answered.
      expect({ status: refused.status, code: /data-error-code="([^"]*)"/.exec(refused.text)?.[1] }).toEqual({
        status: 400,
        code: 'SSO_INVALID_STATE',
      });
      expect(await counted()).toBe(before + i);
    }
    const limited = await failedCallback();
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Refused from this instance's memory: the blocked address costs no statement, not even a count.
    const atBlock = await counted();
    expect((await failedCallback()).status).toBe(429);
    expect(await counted()).toBe(atBlock);
    // The block ends with its window.
    m365.clock.advanceMs(61_000);
    try {
      expect((await failedCallback()).status).toBe(400);
    } finally {
      m365.clock.reset();
    }
  });

  it('limits guesses at the code exchanges, web and app alike', async () => {
    for (const path of ['/api/microsoft365/sso/token', '/api/microsoft365/sso/app/token']) {
      for (let i = 0; i < 3; i++) {
        const guess = await t
          .http()
          .post(path)
          .send({ code: randomUUID(), code_verifier: 'v'.repeat(43) });
        expect(guess.status).toBe(400);
      }
      const limited = await t
        .http()
        .post(path)
        .send({ code: randomUUID(), code_verifier: 'v'.repeat(43) });
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ code: 'RATE_LIMITED' });
      expect(limited.headers['retry-after']).toBeDefined();
    }
  });

  it('answers a forged post of many notifications with one query for all its items, and limits posts per source', async () => {
    const connection = t.orm.em.getConnection();
    const execute = jest.spyOn(connection, 'execute');
    try {
      const forged = {
        // As many as fit the host's body limit; each a subscription id the PBX never heard of.
        value: Array.from({ length: 600 }, () => ({ subscriptionId: randomUUID(), clientState: 'guess' })),
      };
      await t.http().post('/api/microsoft365/notifications').send(forged).expect(403);
      const subscriptionQueries = execute.mock.calls.filter(
        ([sql]) => typeof sql === 'string' && sql.includes('m365_graph_subscriptions'),
      );
      expect(subscriptionQueries).toHaveLength(1);
    } finally {
      execute.mockRestore();
    }
    for (let i = 0; i < 3; i++) {
      await t.http().post('/api/microsoft365/notifications').send({ value: [] }).expect(403);
    }
    const limited = await t.http().post('/api/microsoft365/notifications').send({ value: [] });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED' });
    // Graph's validation handshakes (one per subscription created) are answered however many come: a tenant with
    // more calendars and mailboxes than the limit creates all its subscriptions in one pass.
    for (let i = 0; i < 6; i++) {
      const handshake = await t
        .http()
        .post(`/api/microsoft365/notifications?validationToken=token${i}`)
        .set('Content-Type', 'text/plain; charset=utf-8')
        .send('');
      expect(handshake.status).toBe(200);
      expect(handshake.text).toBe(`token${i}`);
    }
  });
});
