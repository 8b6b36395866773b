import { type MikroORM } from '@mikro-orm/postgresql';
import { createTrustingAgent } from '@pbx/m365-emulator';
import { JobQueue } from '@pbx/microsoft365/jobs/job-queue';
import { KeyManagementService } from '@pbx/microsoft365/keys/key-management.service';
import {
  createAnotherInstance,
  createTestApp,
  type TenantWithAdmin,
  type TestApp,
} from '@pbx/test/support/create-test-app';
import {
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';
import { randomUUID } from 'node:crypto';
import { type Dispatcher, fetch } from 'undici';

/**
 * Issue 20: the callback of "Sign in with Microsoft" reads the tenant's configuration (settings, rules, key pair)
 * from a per-instance cache. Its cost is counted in SQL statements, and a change made through one PBX instance is
 * seen by the next sign-in through another (PostgreSQL NOTIFY from the writing transaction, LISTEN on each instance).
 */
const CALLBACK = 'http://pbx.test/api/microsoft365/sso/callback';
const PASSWORD = 'Emulated-password-1';
/** What a callback request may cost, all of it: consume the state, the account's link, the PBX user. */
const MAX_CALLBACK_STATEMENTS = 3;

/** Counts the statements an ORM sends while armed (MikroORM calls `logQuery` for each, logging on or off). */
class StatementCounter {
  statements: string[] = [];
  private armed = false;

  constructor(orm: MikroORM) {
    const logger = orm.config.getLogger();
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (context) => {
      if (this.armed) this.statements.push(context.query ?? '');
      original(context);
    };
  }

  async during<T>(action: () => Promise<T>): Promise<T> {
    this.statements = [];
    this.armed = true;
    try {
      return await action();
    } finally {
      this.armed = false;
    }
  }
}

describe('Microsoft 365 sign-in configuration cache, across PBX instances', () => {
  let m365: EmulatedMicrosoft365;
  let first: TestApp;
  let second: TestApp;
  let tenant: TenantWithAdmin;
  let other: TenantWithAdmin;
  let agent: Dispatcher;
  let counter: StatementCounter;
  let firstCertificateKeyId: string;
  let lastCallbackMs = 0;

  const upn = (name: string) => `${name}@${m365.seeded.domain}`;
  const base = (of: TenantWithAdmin) => `/api/microsoft365/tenants/${of.tenant.id}`;
  const login = (of: TenantWithAdmin) => `/api/microsoft365/sso/login?tenant=${of.tenant.id}`;

  async function emulator(url: string, form?: Record<string, string>): Promise<string> {
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      ...(form
        ? {
            body: new URLSearchParams(form),
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }
        : {}),
      redirect: 'manual',
      dispatcher: agent,
    });
    expect(response.status).toBe(200);
    return response.text();
  }

  /** A browser's sign-in: the login redirect from `start`, Entra's page, and the form post to `callback`'s instance. */
  async function signIn(
    of: TenantWithAdmin,
    name: string,
    instances: { start: TestApp; callback: TestApp },
  ): Promise<{ status: number; location?: string; text: string }> {
    const started = await instances.start.http().get(login(of));
    if (started.status !== 302) return { status: started.status, text: started.text };
    const cookie = String(started.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
    const page = await emulator(String(started.headers.location));
    const ctx = /name="ctx" id="ctx" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const action = /id="signInForm" name="f1" method="post" action="([^"]+)"/.exec(page)?.[1] ?? '';
    const posted = await emulator(`${m365.emulator.baseUrl}${action}`, {
      ctx,
      loginfmt: upn(name),
      passwd: PASSWORD,
    });
    expect(/<form method="POST" name="hiddenform" action="([^"]+)">/.exec(posted)?.[1]).toBe(CALLBACK);
    const form = Object.fromEntries(
      [...posted.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)" \/>/g)].map((m) => [
        m[1] ?? '',
        (m[2] ?? '').replace(/&amp;/g, '&'),
      ]),
    );
    const callback = async () =>
      instances.callback
        .http()
        .post('/api/microsoft365/sso/callback')
        .type('form')
        .set('Cookie', cookie)
        .send(form);
    const startedAt = performance.now();
    const response = await (instances.callback === second ? counter.during(callback) : callback());
    lastCallbackMs = performance.now() - startedAt;
    return { status: response.status, location: response.headers.location, text: response.text };
  }

  const expectSignedIn = (result: { status: number; location?: string; text: string }) => {
    expect({ status: result.status, page: result.status === 302 ? '' : result.text.slice(0, 300) }).toEqual({
      status: 302,
      page: '',
    });
    expect(result.location).toMatch(/^http:\/\/pbx\.test\/#sso_code=/);
  };
  const expectRefused = (result: { status: number; text: string }, code: string) => {
    expect(result.status).toBeGreaterThanOrEqual(400);
    expect(result.text).toContain(`data-error-code="${code}"`);
  };

  /** Settings, a first key pair (active at once, uploaded to the app registration) and a linked user. */
  async function connect(of: TenantWithAdmin, name: string): Promise<string> {
    await first
      .as(of.adminToken)
      .patch(`${base(of)}/settings`)
      .send({
        applicationId: m365.seeded.clientId,
        directoryId: m365.seeded.tenantId,
        enabled: true,
        features: { singleSignOn: true },
      })
      .expect(200);
    const pem = (
      await first
        .as(of.adminToken)
        .post(`${base(of)}/certificates`)
        .expect(201)
    ).text;
    const { keyId } = m365.emulator.control.addCertificate({
      tenant: m365.seeded.tenantId,
      clientId: m365.seeded.clientId,
      pem,
    });
    const microsoft = m365.emulator.control.addUser({
      tenant: m365.seeded.tenantId,
      user: { id: randomUUID(), userPrincipalName: upn(name), displayName: name, password: PASSWORD },
    });
    const pbx = await first.createUser(of.adminToken, of.tenant.id, { userPrincipalName: upn(name) });
    await first
      .as(of.adminToken)
      .post(`${base(of)}/user-sync/links`)
      .send({ pbxUserId: pbx.user.id, microsoft365User: microsoft.id })
      .expect(201);
    return keyId;
  }

  beforeAll(async () => {
    m365 = await startEmulatedMicrosoft365({
      app: { permissions: ['User.Read.All'], redirectUris: [CALLBACK] },
    });
    agent = createTrustingAgent(m365.emulator.caPem);
    first = await createTestApp({ microsoft365: m365.moduleOptions });
    // A second PBX instance on the same database, as behind a load balancer.
    second = await createAnotherInstance(first, { microsoft365: m365.moduleOptions });
    // Jobs (runs, ticks) go to the first instance: the second one's statements are those of the requests it serves.
    await second.get(JobQueue).stopWorking();
    counter = new StatementCounter(second.orm);
    const system = await first.loginAsSystemAdmin();
    tenant = await first.createTenantWithAdmin(system);
    other = await first.createTenantWithAdmin(system);
    firstCertificateKeyId = await connect(tenant, 'alice');
    await connect(other, 'olga');
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
    await m365?.close();
  });

  const ssoRules = (of: TenantWithAdmin, body: object) =>
    first
      .as(of.adminToken)
      .patch(`${base(of)}/sso`)
      .send(body)
      .expect(200);
  const both = () => ({ start: second, callback: second });

  /** The table each statement reads or writes, with its kind: what the callback costs, by name. */
  const described = (statements: string[]) =>
    statements.map((sql) => {
      const kind = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase() ?? '?';
      const table = /(?:from|into|update)\s+"?(\w+)"?/i.exec(sql)?.[1] ?? '?';
      return `${kind} ${table}`;
    });

  it(`costs at most ${MAX_CALLBACK_STATEMENTS} statements to sign in once the configuration is cached`, async () => {
    // The first sign-in through the second instance reads the configuration; the next ones do not.
    expectSignedIn(await signIn(tenant, 'alice', both()));
    const timings: number[] = [];
    for (let i = 0; i < Number(process.env['SSO_CALLBACK_LOOP'] ?? 3); i++) {
      expectSignedIn(await signIn(tenant, 'alice', both()));
      timings.push(lastCallbackMs);
      expect(described(counter.statements)).toEqual([
        // The whole callback request: the state used up and read in one statement (which also stores the hash of
        // the one-time code's secret: the code needs no statement of its own), the account's link, the PBX user.
        // No rate-limit counter: only failed callbacks are counted (rate-limits/failed-requests.limiter.ts).
        'update m365_sso_transactions',
        'select m365_user_links',
        'select users',
      ]);
      expect(counter.statements.length).toBeLessThanOrEqual(MAX_CALLBACK_STATEMENTS);
    }
    if (process.env['SSO_CALLBACK_LOOP']) {
      timings.sort((a, b) => a - b);
      const at = (q: number) =>
        timings[Math.min(timings.length - 1, Math.floor(timings.length * q))]?.toFixed(1);
      process.stdout.write(`callback round trip over supertest: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms\n`);
    }
  });

  it('sees a change of the sign-in rules made through another instance at the next sign-in', async () => {
    expectSignedIn(await signIn(tenant, 'alice', both()));
    await ssoRules(tenant, { users: { enabled: false } });
    expectRefused(await signIn(tenant, 'alice', both()), 'SSO_NOT_ALLOWED');
    await ssoRules(tenant, { users: { enabled: true } });
    expectSignedIn(await signIn(tenant, 'alice', both()));
  });

  it('sees single sign-on switched off through another instance at the next login', async () => {
    expectSignedIn(await signIn(tenant, 'alice', both()));
    const settings = (singleSignOn: boolean) =>
      first
        .as(tenant.adminToken)
        .patch(`${base(tenant)}/settings`)
        .send({ features: { singleSignOn } })
        .expect(200);
    await settings(false);
    expectRefused(await signIn(tenant, 'alice', both()), 'SSO_NOT_CONFIGURED');
    await settings(true);
    expectSignedIn(await signIn(tenant, 'alice', both()));
  });

  it('signs with the new key pair through another instance right after a rotation', async () => {
    expectSignedIn(await signIn(tenant, 'alice', both()));
    // The admin generates a new key pair and uploads it; the first instance switches to it; the old one is
    // deleted from the app registration, so only the new key can sign a client assertion now.
    const pem = (
      await first
        .as(tenant.adminToken)
        .post(`${base(tenant)}/certificates`)
        .expect(201)
    ).text;
    const keys = first.get(KeyManagementService);
    const { pending } = await keys.current(tenant.tenant.id);
    const uploaded = m365.emulator.control.addCertificate({
      tenant: m365.seeded.tenantId,
      clientId: m365.seeded.clientId,
      pem,
    });
    await keys.promote(tenant.tenant.id, pending?.id ?? '');
    m365.emulator.control.removeCertificate({
      tenant: m365.seeded.tenantId,
      clientId: m365.seeded.clientId,
      keyId: firstCertificateKeyId,
    });
    firstCertificateKeyId = uploaded.keyId;
    expectSignedIn(await signIn(tenant, 'alice', both()));
  });

  it('keeps each tenant’s configuration apart: a change of one tenant leaves the other’s sign-ins alone', async () => {
    expectSignedIn(await signIn(tenant, 'alice', both()));
    expectSignedIn(await signIn(other, 'olga', both()));
    await ssoRules(other, { users: { enabled: false } });
    expectRefused(await signIn(other, 'olga', both()), 'SSO_NOT_ALLOWED');
    expectSignedIn(await signIn(tenant, 'alice', both()));
    // Each tenant's own rules and users: neither tenant's cached entry answers a sign-in for the other.
    expectRefused(await signIn(tenant, 'olga', both()), 'SSO_USER_NOT_FOUND');
    await ssoRules(other, { users: { enabled: true } });
    expectSignedIn(await signIn(other, 'olga', both()));
  });

  it('hears a write made by hand in SQL, and nothing of a write rolled back', async () => {
    expectSignedIn(await signIn(tenant, 'alice', both()));
    const em = first.orm.em.fork();
    const rules = `update m365_sso_settings set users = jsonb_set(users::jsonb, '{enabled}', ?::jsonb) where pbx_tenant_id = ?`;
    // Rolled back: no notification, so the second instance's entry stays and its callback reads no configuration.
    await em
      .transactional(async (tx) => {
        await tx.execute(rules, ['false', tenant.tenant.id]);
        throw new Error('rolled back on purpose');
      })
      .catch((error: Error) => expect(error.message).toBe('rolled back on purpose'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expectSignedIn(await signIn(tenant, 'alice', both()));
    expect(described(counter.statements)).not.toContain('select m365_sso_settings');
    // Committed by hand, outside the module's services: the trigger still tells every instance.
    await em.execute(rules, ['false', tenant.tenant.id]);
    expectRefused(await signIn(tenant, 'alice', both()), 'SSO_NOT_ALLOWED');
    await em.execute(rules, ['true', tenant.tenant.id]);
    expectSignedIn(await signIn(tenant, 'alice', both()));
  });

  it('empties the cache and listens again when its listening connection drops', async () => {
    expectSignedIn(await signIn(tenant, 'alice', both()));
    const listeners = async () =>
      (
        await first.orm.em
          .fork()
          .execute<{ pid: number }[]>(
            `select pid from pg_stat_activity where datname = current_database() and application_name = 'microsoft365-config-listener'`,
          )
      ).map((row) => row.pid);
    const before = await listeners();
    expect(before).toHaveLength(2);
    await first.orm.em
      .fork()
      .execute(`select pg_terminate_backend(pid) from pg_stat_activity where pid = any(?::int[])`, [
        `{${before.join(',')}}`,
      ]);
    // Both instances reconnect (the first retry after a second) ...
    const deadline = Date.now() + 15_000;
    let after: number[] = [];
    while (Date.now() < deadline) {
      after = await listeners();
      if (after.length === 2 && after.every((pid) => !before.includes(pid))) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(after).toHaveLength(2);
    // ... and hear changes again.
    await ssoRules(tenant, { users: { enabled: false } });
    expectRefused(await signIn(tenant, 'alice', both()), 'SSO_NOT_ALLOWED');
    await ssoRules(tenant, { users: { enabled: true } });
    expectSignedIn(await signIn(tenant, 'alice', both()));
  });
});
