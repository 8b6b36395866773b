import { HttpTransport } from '@pbx/microsoft365/graph/http-transport.provider';
import { GraphConcurrency } from '@pbx/microsoft365/graph/graph-concurrency.service';
import { MICROSOFT365_OPTIONS } from '@pbx/microsoft365/microsoft365.module-definition';
import { type Microsoft365ModuleOptions, PBX_DIRECTORY, type PbxDirectoryPort } from '@pbx/microsoft365';
import { createTrustingAgent } from '@pbx/m365-emulator';
import { fetch, type RequestInit, Response } from 'undici';
import {
  createTestApp,
  type TenantWithAdmin,
  type TestApp,
  TEST_ADMIN_PASSWORD,
  TEST_USER_PASSWORD,
  type UserInput,
} from '@pbx/test/support/create-test-app';
import {
  connectTenant,
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';
import {
  createHash,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  randomUUID,
  sign as rsaSign,
} from 'node:crypto';
import { type Dispatcher } from 'undici';

/**
 * Issue 8: "Sign in with Microsoft" end to end over HTTP: the PBX's login redirect, the emulator's sign-in page
 * (HTTPS), Entra's form_post back to the PBX, the code redeemed with the tenant's certificate, the ID token checked
 * against the emulator's JWKS, the PBX account and rules, and a working host session; then every way it must fail.
 */

const CALLBACK = 'http://pbx.test/api/microsoft365/sso/callback';
const APP_REDIRECT = 'com.example.pbx:/sso';
const PASSWORD = 'Emulated-password-1';

/** Replaces the ID token in Entra's token answer: a token endpoint that lies, as a network attacker would. */
class TamperingTransport extends HttpTransport {
  tamper?: (idToken: string) => string;
  /** Answers the token request in Entra's place (an error Entra gives that the emulator does not model). */
  tokenAnswer?: () => Response;

  constructor(options: Microsoft365ModuleOptions, concurrency: GraphConcurrency) {
    super(options, concurrency);
    const original = this.fetch;
    Object.defineProperty(this, 'fetch', {
      value: async (url: string | URL, init: RequestInit = {}) => {
        if (this.tokenAnswer && String(url).includes('/oauth2/v2.0/token')) return this.tokenAnswer();
        const response = await original(url, init);
        const tamper = this.tamper;
        if (!tamper || !String(url).includes('/oauth2/v2.0/token') || !response.ok) return response;
        const body = (await response.json()) as Record<string, unknown>;
        if (typeof body.id_token === 'string') body.id_token = tamper(body.id_token);
        return Response.json(body, { status: response.status, headers: response.headers });
      },
    });
  }
}

interface FlowResult {
  status: number;
  location?: string;
  text: string;
}

describe('Microsoft 365 single sign-on (web and app)', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let system: string;
  let tenantA: TenantWithAdmin;
  let tenantB: TenantWithAdmin;
  let transport: TamperingTransport;
  let agent: Dispatcher;
  const captured: string[] = [];
  const restore: (() => void)[] = [];

  const upn = (name: string) => `${name}@${m365.seeded.domain}`;
  const addMicrosoftUser = (name: string) =>
    m365.emulator.control.addUser({
      tenant: m365.seeded.tenantId,
      // Explicit ids: the emulator's seeded id generator repeats ids across tenants created later.
      user: { id: randomUUID(), userPrincipalName: upn(name), displayName: name, password: PASSWORD },
    });
  /** What an admin does with the user-sync links API: binds a PBX user to a Microsoft account by hand. */
  const bind = (pbxUserId: string, microsoft365User: string) =>
    t
      .as(tenantA.adminToken)
      .post(`/api/microsoft365/tenants/${tenantA.tenant.id}/user-sync/links`)
      .send({ pbxUserId, microsoft365User })
      .expect(201);
  /** A Microsoft user and a PBX user of tenant A with its UPN, linked through the user-sync links API. */
  async function addLinkedUser(name: string, input: UserInput = {}) {
    const microsoft = addMicrosoftUser(name);
    const pbx = await t.createUser(tenantA.adminToken, tenantA.tenant.id, {
      userPrincipalName: upn(name),
      ...input,
    });
    await bind(pbx.user.id, microsoft.id);
    return { microsoft, pbx };
  }
  const ssoSettings = (tenant: TenantWithAdmin | 'system', body: object, token?: string) =>
    t
      .as(token ?? (tenant === 'system' ? system : tenant.adminToken))
      .patch(`/api/microsoft365/tenants/${tenant === 'system' ? 'system' : tenant.tenant.id}/sso`)
      .send(body);

  /** What a browser does: follows the PBX's redirect to Entra, signs in, and lets Entra's form post back. */
  async function browserSignIn(
    loginPath: string,
    username: string,
    options: {
      rewriteAuthorize?: (url: URL) => void;
      cookie?: (own: string) => string | undefined;
      beforeCallback?: (form: Record<string, string>) => Promise<void> | void;
    } = {},
  ): Promise<FlowResult & { form: Record<string, string>; cookie: string }> {
    const login = await t.http().get(loginPath);
    expect(login.status).toBe(302);
    const cookie = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^m365_sso_browser=/);
    expect(String(login.headers['set-cookie']?.[0])).toMatch(/HttpOnly; Secure; SameSite=None/);
    const authorize = new URL(String(login.headers.location));
    expect(authorize.origin).toBe(m365.emulator.baseUrl);
    options.rewriteAuthorize?.(authorize);
    const page = await emulatorFetch(authorize.toString());
    expect(page.status).toBe(200);
    const ctx = /name="ctx" id="ctx" value="([^"]+)"/.exec(page.text)?.[1];
    const action = /id="signInForm" name="f1" method="post" action="([^"]+)"/.exec(page.text)?.[1];
    expect(ctx && action).toBeTruthy();
    const posted = await emulatorFetch(`${m365.emulator.baseUrl}${action}`, {
      ctx: ctx ?? '',
      loginfmt: username,
      passwd: PASSWORD,
    });
    expect(posted.status).toBe(200);
    const target = /<form method="POST" name="hiddenform" action="([^"]+)">/.exec(posted.text)?.[1];
    expect(target).toBe(CALLBACK);
    const form = Object.fromEntries(
      [...posted.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)" \/>/g)].map((m) => [
        m[1] ?? '',
        unescapeHtml(m[2] ?? ''),
      ]),
    );
    await options.beforeCallback?.(form);
    const sentCookie = options.cookie ? options.cookie(cookie) : cookie;
    const result = await postCallback(form, sentCookie);
    return { ...result, form, cookie };
  }

  async function postCallback(form: Record<string, string>, cookie: string | undefined): Promise<FlowResult> {
    let request = t.http().post('/api/microsoft365/sso/callback').type('form').send(form);
    if (cookie) request = request.set('Cookie', cookie);
    const response = await request;
    captured.push(response.text);
    return { status: response.status, location: response.headers.location, text: response.text };
  }

  async function emulatorFetch(url: string, form?: Record<string, string>) {
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
    return { status: response.status, text: await response.text() };
  }

  /** Asserts a refused sign-in: a page (or app redirect) with the code, and no session issued. */
  async function expectRefused(result: FlowResult, code: string, status?: number) {
    if (status !== undefined) expect(result.status).toBe(status);
    expect(result.status).toBeGreaterThanOrEqual(400);
    expect(result.status).toBeLessThan(500);
    expect(result.text).toContain(`data-error-code="${code}"`);
    expect(result.location).toBeUndefined();
    expect(await sessionCount()).toBe(sessionsBefore);
  }

  let sessionsBefore = 0;
  const sessionCount = async () =>
    Number((await t.orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from sessions`))[0]?.n);

  /** What the portal does: takes the one-time code from the fragment and exchanges it from the same browser. */
  function exchangePortalCode(result: { location?: string; cookie: string }, cookie = result.cookie) {
    // The code's secret, the master key version, the sealed grant (sso-transaction.store.ts).
    expect(result.location).toMatch(/^http:\/\/pbx\.test\/#sso_code=[A-Za-z0-9_-]{43}\.1\.[A-Za-z0-9_-]+$/);
    const code = new URLSearchParams(new URL(String(result.location)).hash.slice(1)).get('sso_code') ?? '';
    let exchange = t.http().post('/api/microsoft365/sso/token').send({ code });
    if (cookie) exchange = exchange.set('Cookie', cookie);
    return exchange;
  }

  async function sessionFromPortal(result: { location?: string; cookie: string }): Promise<string> {
    const exchanged = await exchangePortalCode(result);
    expect(exchanged.status).toBe(200);
    expect(exchanged.headers['cache-control']).toBe('no-store');
    return String(exchanged.body.token);
  }

  /** Re-signs an ID token with a key the emulator never published (or leaves it unsigned). */
  function forge(idToken: string, how: 'bad-signature' | 'alg-none' | 'unknown-kid'): string {
    const [header, payload] = idToken.split('.') as [string, string];
    const head = JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>;
    if (how === 'alg-none') {
      return `${b64({ ...head, alg: 'none' })}.${payload}.`;
    }
    const newHeader =
      how === 'unknown-kid' ? b64({ ...head, kid: 'unknown-kid', x5t: 'unknown-kid' }) : header;
    const signature = rsaSign('sha256', Buffer.from(`${newHeader}.${payload}`), strangerKey);
    return `${newHeader}.${payload}.${signature.toString('base64url')}`;
  }
  const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

  /**
   * Re-signs changed claims with the emulator's active signing key, read from its in-process state (test only):
   * the signature is valid, so only the claim checks can refuse the token.
   */
  function resignWithEntraKey(
    idToken: string,
    change: (claims: Record<string, unknown>, now: number) => Record<string, unknown>,
  ): string {
    const [header, payload] = idToken.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const internals = m365.emulator.control as unknown as {
      deps: { tenants: { resolve(id: string): { signingKeys: { active(): { privateKey: KeyObject } } } } };
    };
    const key = internals.deps.tenants.resolve(m365.seeded.tenantId).signingKeys.active().privateKey;
    const body = b64(change(claims, Math.floor(Date.now() / 1000)));
    return `${header}.${body}.${rsaSign('sha256', Buffer.from(`${header}.${body}`), key).toString('base64url')}`;
  }

  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
        captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
        return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      };
      restore.push(() => (stream.write = original));
    }
    // User.Read.All: binding a PBX user by hand looks the Microsoft account up in Graph.
    m365 = await startEmulatedMicrosoft365({
      app: { permissions: ['User.Read.All'], redirectUris: [CALLBACK] },
    });
    agent = createTrustingAgent(m365.emulator.caPem);
    t = await createTestApp({
      microsoft365: m365.moduleOptions,
      logLevels: ['log', 'error', 'warn'],
      override: (builder) =>
        builder.overrideProvider(HttpTransport).useFactory({
          factory: (options: Microsoft365ModuleOptions, concurrency: GraphConcurrency) =>
            new TamperingTransport(options, concurrency),
          inject: [MICROSOFT365_OPTIONS, GraphConcurrency],
        }),
    });
    transport = t.get(HttpTransport);
    system = await t.loginAsSystemAdmin();
    tenantA = await t.createTenantWithAdmin(system);
    tenantB = await t.createTenantWithAdmin(system);
    await connectTenant(t, m365, tenantA, { settings: { features: { singleSignOn: true } } });
  });

  beforeEach(async () => {
    transport.tamper = undefined;
    transport.tokenAnswer = undefined;
    sessionsBefore = await sessionCount();
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
    restore.forEach((undo) => undo());
  });

  const loginA = () => `/api/microsoft365/sso/login?tenant=${tenantA.tenant.id}`;

  it('tells login pages whether to show the Microsoft button', async () => {
    const on = await t
      .http()
      .get(`/api/microsoft365/sso/discovery?sipDomain=${tenantA.tenant.sipDomain}`)
      .expect(200);
    expect(on.body).toEqual({
      enabled: true,
      loginUrl: `http://pbx.test/api/microsoft365/sso/login?tenant=${tenantA.tenant.id}`,
    });
    for (const domain of [tenantB.tenant.sipDomain, 'nobody.example']) {
      const off = await t.http().get(`/api/microsoft365/sso/discovery?sipDomain=${domain}`).expect(200);
      expect(off.body).toEqual({ enabled: false, loginUrl: null });
    }
  });

  it('signs a linked user in on the web and gives a working host session', async () => {
    const { microsoft: ms, pbx } = await addLinkedUser('alice', { email: 'someone-else@contoso.test' });
    const result = await browserSignIn(
      `${loginA()}&login_hint=${encodeURIComponent(upn('alice'))}`,
      upn('alice'),
    );
    expect(result.status).toBe(302);
    const token = await sessionFromPortal(result);
    const me = await t.as(token).get('/api/auth/me').expect(200);
    expect(me.body).toMatchObject({ user: { id: pbx.user.id }, session: { role: 'user' } });
    expect(ms.id).toBeTruthy();

    // The same form posted again is a replayed state: refused, no second session.
    sessionsBefore = await sessionCount();
    await expectRefused(await postCallback(result.form, result.cookie), 'SSO_INVALID_STATE', 400);
  });

  it('sends PKCE S256, state, nonce, form_post and the hints to the tenant-specific authority', async () => {
    await ssoSettings(tenantA, { domainHint: 'contoso.com' }).expect(200);
    const login = await t.http().get(`${loginA()}&login_hint=ann%40contoso.com`).expect(302);
    const url = new URL(String(login.headers.location));
    expect(url.pathname).toBe(`/${m365.seeded.tenantId}/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: m365.seeded.clientId,
      response_type: 'code',
      response_mode: 'form_post',
      redirect_uri: CALLBACK,
      code_challenge_method: 'S256',
      login_hint: 'ann@contoso.com',
      domain_hint: 'contoso.com',
    });
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile']));
    await ssoSettings(tenantA, { domainHint: null }).expect(200);
  });

  describe('refuses, with a clear code and no session', () => {
    beforeAll(async () => {
      await addLinkedUser('bob');
    });

    it.each<['bad-signature' | 'alg-none' | 'unknown-kid']>([
      ['bad-signature'],
      ['alg-none'],
      ['unknown-kid'],
    ])('an ID token with %s', async (how) => {
      transport.tamper = (idToken) => forge(idToken, how);
      await expectRefused(await browserSignIn(loginA(), upn('bob')), 'SSO_INVALID_TOKEN', 401);
    });

    it.each<[string, (claims: Record<string, unknown>, now: number) => Record<string, unknown>]>([
      // Issued five minutes ago (young enough for the age rule), expired beyond the two minutes' skew.
      ['expired', (claims, now) => ({ ...claims, iat: now - 300, nbf: now - 300, exp: now - 121 })],
      [
        'issued too long ago',
        (claims, now) => ({ ...claims, iat: now - 7200, nbf: now - 7200, exp: now + 600 }),
      ],
      ['not yet valid (nbf)', (claims, now) => ({ ...claims, nbf: now + 600 })],
      ['from another issuer', (claims) => ({ ...claims, iss: `${m365.emulator.baseUrl}/common/v2.0` })],
      ['for another audience', (claims) => ({ ...claims, aud: '00000000-0000-0000-0000-00000000abcd' })],
      ['from another directory (tid), validly signed', (claims) => ({ ...claims, tid: randomUuidLike() })],
    ])('an ID token %s, signed with Entra’s own key', async (_name, change) => {
      transport.tamper = (idToken) => resignWithEntraKey(idToken, change);
      await expectRefused(await browserSignIn(loginA(), upn('bob')), 'SSO_INVALID_TOKEN', 401);
    });

    it('a nonce that is not the one this sign-in sent', async () => {
      const result = await browserSignIn(loginA(), upn('bob'), {
        rewriteAuthorize: (url) => url.searchParams.set('nonce', 'swapped-nonce'),
      });
      await expectRefused(result, 'SSO_INVALID_TOKEN', 401);
    });

    it('a wrong PKCE challenge (Entra refuses the code with our verifier)', async () => {
      const result = await browserSignIn(loginA(), upn('bob'), {
        rewriteAuthorize: (url) => url.searchParams.set('code_challenge', 'A'.repeat(43)),
      });
      await expectRefused(result, 'SSO_SIGN_IN_FAILED', 401);
    });

    it('a state older than its ten minutes (the module’s clock moved on), while a nine-minute-old one works', async () => {
      try {
        const fresh = await browserSignIn(loginA(), upn('bob'), {
          beforeCallback: () => m365.clock.advanceMs(9 * 60_000),
        });
        await sessionFromPortal(fresh);
        m365.clock.reset();
        sessionsBefore = await sessionCount();
        const stale = await browserSignIn(loginA(), upn('bob'), {
          beforeCallback: () => m365.clock.advanceMs(10 * 60_000 + 1_000),
        });
        await expectRefused(stale, 'SSO_INVALID_STATE', 400);
      } finally {
        m365.clock.reset();
      }
    });

    it('consent missing, when Entra sends the browser back with consent_required (AADSTS65001)', async () => {
      // The emulator models no user/admin consent for sign-in, so the browser comes back with the form_post
      // Entra sends in that case; the state is a real one from this browser's login.
      const login = await t.http().get(loginA()).expect(302);
      const cookie = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
      const state = new URL(String(login.headers.location)).searchParams.get('state') ?? '';
      const form = {
        error: 'consent_required',
        error_description: `AADSTS65001: The user or administrator has not consented to use the application with ID '${m365.seeded.clientId}' named 'PBX'. Send an interactive authorization request for this user and resource.\r\nTrace ID: ${randomUUID()}`,
        state,
      };
      const refused = await postCallback(form, cookie);
      await expectRefused(refused, 'SSO_CONSENT_MISSING', 403);
      expect(refused.text).toContain('grant consent');
      // The refusal used the state up.
      await expectRefused(await postCallback(form, cookie), 'SSO_INVALID_STATE', 400);
    });

    it('consent missing, when Entra refuses to redeem the code with AADSTS65001', async () => {
      transport.tokenAnswer = () =>
        Response.json(
          {
            error: 'invalid_grant',
            error_description: `AADSTS65001: The user or administrator has not consented to use the application with ID '${m365.seeded.clientId}' named 'PBX'. Send an interactive authorization request for this user and resource.\r\nTrace ID: ${randomUUID()}`,
            error_codes: [65001],
            suberror: 'consent_required',
            timestamp: new Date().toISOString(),
            trace_id: randomUUID(),
            correlation_id: randomUUID(),
          },
          { status: 400 },
        );
      await expectRefused(await browserSignIn(loginA(), upn('bob')), 'SSO_CONSENT_MISSING', 403);
    });

    it('a missing state, a forged state, and a state from another browser', async () => {
      const result = await browserSignIn(loginA(), upn('bob'), { cookie: () => 'm365_sso_browser=attacker' });
      await expectRefused(result, 'SSO_INVALID_STATE', 400);
      const { state: _state, ...withoutState } = result.form;
      await expectRefused(await postCallback(withoutState, result.cookie), 'SSO_INVALID_STATE', 400);
      await expectRefused(
        await postCallback({ ...result.form, state: randomBytes(32).toString('base64url') }, result.cookie),
        'SSO_INVALID_STATE',
        400,
      );
    });

    it('a replayed code under a fresh state', async () => {
      const first = await browserSignIn(loginA(), upn('bob'));
      expect(first.status).toBe(302);
      sessionsBefore = await sessionCount();
      // A new sign-in in the same browser, answered with the old code.
      const login = await t.http().get(loginA()).set('Cookie', first.cookie).expect(302);
      const state = new URL(String(login.headers.location)).searchParams.get('state') ?? '';
      await expectRefused(
        await postCallback({ ...first.form, state }, first.cookie),
        'SSO_SIGN_IN_FAILED',
        401,
      );
    });

    it('an ID token from another directory', async () => {
      // The same app id registered in a second directory; the browser is sent there instead.
      const other = await m365.emulator.control.createTenant({ domain: 'fabrikam.test' });
      m365.emulator.control.registerApp({
        tenant: other.id,
        clientId: m365.seeded.clientId,
        displayName: 'PBX',
        redirectUris: [CALLBACK],
      });
      m365.emulator.control.addUser({
        tenant: other.id,
        user: {
          id: randomUUID(),
          userPrincipalName: 'bob@fabrikam.test',
          displayName: 'bob',
          password: PASSWORD,
        },
      });
      await t.createUser(tenantA.adminToken, tenantA.tenant.id, { userPrincipalName: 'bob@fabrikam.test' });
      const result = await browserSignIn(loginA(), 'bob@fabrikam.test', {
        rewriteAuthorize: (url) => (url.pathname = url.pathname.replace(m365.seeded.tenantId, other.id)),
      });
      await expectRefused(result, 'SSO_INVALID_TOKEN', 401);
    });

    it('a Microsoft user who is not synced to the PBX', async () => {
      addMicrosoftUser('carol');
      await expectRefused(await browserSignIn(loginA(), upn('carol')), 'SSO_USER_NOT_FOUND', 403);
    });

    it('a PBX user with the same UPN and email who is not linked, until an admin binds them', async () => {
      const microsoft = addMicrosoftUser('hand.made');
      // Created by hand in the PBX, never synced nor bound: the names match, the account is not known.
      const pbx = await t.createUser(tenantA.adminToken, tenantA.tenant.id, {
        userPrincipalName: upn('hand.made'),
        email: upn('hand.made'),
      });
      const refused = await browserSignIn(loginA(), upn('hand.made'));
      await expectRefused(refused, 'SSO_USER_NOT_FOUND', 403);
      expect(refused.text).toContain('not linked to a PBX user');

      // A bind through the user-sync links API is a link: the same sign-in now works.
      await bind(pbx.user.id, microsoft.id);
      const bound = await browserSignIn(loginA(), upn('hand.made'));
      const me = await t
        .as(await sessionFromPortal(bound))
        .get('/api/auth/me')
        .expect(200);
      expect(me.body).toMatchObject({ user: { id: pbx.user.id } });

      // Unbound again: refused again, however well the names match.
      await t
        .as(tenantA.adminToken)
        .delete(`/api/microsoft365/tenants/${tenantA.tenant.id}/user-sync/links/${microsoft.id}`)
        .expect(204);
      sessionsBefore = await sessionCount();
      await expectRefused(await browserSignIn(loginA(), upn('hand.made')), 'SSO_USER_NOT_FOUND', 403);
    });

    it('a disabled PBX user', async () => {
      await addLinkedUser('dave', { enabled: false });
      await expectRefused(await browserSignIn(loginA(), upn('dave')), 'SSO_USER_DISABLED', 403);
    });

    it('a user outside the sign-in rules, and a tenant admin while admins may not use SSO', async () => {
      await addLinkedUser('erin');
      await ssoSettings(tenantA, { users: { scope: 'EXCLUDE', selectedUsers: [upn('erin')] } }).expect(200);
      await expectRefused(await browserSignIn(loginA(), upn('erin')), 'SSO_NOT_ALLOWED', 403);
      await ssoSettings(tenantA, { users: { scope: 'ALL', selectedUsers: [] } }).expect(200);

      await addLinkedUser('frank', { role: 'tenant-admin' });
      await expectRefused(await browserSignIn(loginA(), upn('frank')), 'SSO_NOT_ALLOWED', 403);

      // Once admins are allowed (this one by UPN), the session is a tenant-admin session.
      await ssoSettings(tenantA, { administrators: { enabled: true, selectedUsers: [upn('frank')] } }).expect(
        200,
      );
      const result = await browserSignIn(loginA(), upn('frank'));
      const me = await t
        .as(await sessionFromPortal(result))
        .get('/api/auth/me')
        .expect(200);
      expect(me.body).toMatchObject({ session: { role: 'tenant-admin' } });
    });

    it('a tenant where single sign-on is off', async () => {
      const login = await t.http().get(`/api/microsoft365/sso/login?tenant=${tenantB.tenant.id}`);
      await expectRefused({ status: login.status, text: login.text }, 'SSO_NOT_CONFIGURED', 409);
      const unknown = await t.http().get('/api/microsoft365/sso/login?sipDomain=nobody.example');
      await expectRefused({ status: unknown.status, text: unknown.text }, 'SSO_UNKNOWN_TENANT', 404);
    });
  });

  describe('decides again when the one-time code is exchanged, from the PBX as it is then', () => {
    const patchUser = (id: string, body: object) =>
      t.as(tenantA.adminToken).patch(`/api/tenants/${tenantA.tenant.id}/users/${id}`).send(body).expect(200);

    it('a tenant admin demoted between callback and exchange gets a user session', async () => {
      const { pbx } = await addLinkedUser('demoted', { role: 'tenant-admin' });
      await ssoSettings(tenantA, { administrators: { enabled: true, scope: 'ALL' } }).expect(200);
      try {
        const result = await browserSignIn(loginA(), upn('demoted'));
        await patchUser(pbx.user.id, { role: 'user' });
        const exchanged = await exchangePortalCode(result).expect(200);
        expect(exchanged.body).toMatchObject({ role: 'user' });
        const me = await t.as(String(exchanged.body.token)).get('/api/auth/me').expect(200);
        expect(me.body).toMatchObject({ user: { id: pbx.user.id }, session: { role: 'user' } });
      } finally {
        await ssoSettings(tenantA, { administrators: { enabled: false } }).expect(200);
      }
    });

    it('a user disabled between callback and exchange gets SSO_USER_DISABLED, and no session', async () => {
      const { pbx } = await addLinkedUser('disabled.later');
      const result = await browserSignIn(loginA(), upn('disabled.later'));
      await patchUser(pbx.user.id, { enabled: false });
      const refused = await exchangePortalCode(result).expect(403);
      expect(refused.body).toEqual({
        statusCode: 403,
        code: 'SSO_USER_DISABLED',
        message: expect.stringContaining('disabled'),
      });
      expect(await sessionCount()).toBe(sessionsBefore);
    });

    it('a user excluded or unlinked between callback and exchange gets no session', async () => {
      const { microsoft } = await addLinkedUser('excluded.later');
      const first = await browserSignIn(loginA(), upn('excluded.later'));
      await ssoSettings(tenantA, {
        users: { scope: 'EXCLUDE', selectedUsers: [upn('excluded.later')] },
      }).expect(200);
      try {
        expect((await exchangePortalCode(first).expect(403)).body).toMatchObject({ code: 'SSO_NOT_ALLOWED' });
      } finally {
        await ssoSettings(tenantA, { users: { scope: 'ALL', selectedUsers: [] } }).expect(200);
      }
      const second = await browserSignIn(loginA(), upn('excluded.later'));
      await t
        .as(tenantA.adminToken)
        .delete(`/api/microsoft365/tenants/${tenantA.tenant.id}/user-sync/links/${microsoft.id}`)
        .expect(204);
      expect((await exchangePortalCode(second).expect(403)).body).toMatchObject({
        code: 'SSO_USER_NOT_FOUND',
      });
      expect(await sessionCount()).toBe(sessionsBefore);
    });
  });

  describe('hands the portal a one-time code bound to the browser, never the session', () => {
    it('the code works once, only from the browser that signed in, and the session is no-store', async () => {
      const result = await browserSignIn(loginA(), upn('alice'));
      expect(result.location).not.toContain('sso_token');
      const otherBrowser = (await t.http().get(loginA())).headers['set-cookie']?.[0]?.split(';')[0] ?? '';
      const stolen = await exchangePortalCode(result, otherBrowser).expect(400);
      expect(stolen.body).toMatchObject({ code: 'SSO_INVALID_CODE' });
      // The wrong browser used the code up: the right one cannot redeem it after the attempt either.
      expect((await exchangePortalCode(result).expect(400)).body).toMatchObject({ code: 'SSO_INVALID_CODE' });
      const fresh = await browserSignIn(loginA(), upn('alice'));
      await sessionFromPortal(fresh);
      expect((await exchangePortalCode(fresh).expect(400)).body).toMatchObject({ code: 'SSO_INVALID_CODE' });
    });

    it('seals who signed in to the code: another sign-in’s grant on this code is refused and uses it up', async () => {
      const alice = await browserSignIn(loginA(), upn('alice'));
      const bob = await browserSignIn(loginA(), upn('bob'));
      const codeOf = (result: { location?: string }) =>
        new URLSearchParams(new URL(String(result.location)).hash.slice(1)).get('sso_code') ?? '';
      // Bob's secret with Alice's sealed grant: Bob would get Alice's session if the grant were not bound to it.
      const [bobSecret = ''] = codeOf(bob).split('.');
      const aliceGrant = codeOf(alice).split('.').slice(1);
      const swapped = await t
        .http()
        .post('/api/microsoft365/sso/token')
        .set('Cookie', bob.cookie)
        .send({ code: [bobSecret, ...aliceGrant].join('.') })
        .expect(400);
      expect(swapped.body).toMatchObject({ code: 'SSO_INVALID_CODE' });
      expect((await exchangePortalCode(bob).expect(400)).body).toMatchObject({ code: 'SSO_INVALID_CODE' });
      // A secret without its grant redeems nothing either.
      const again = await browserSignIn(loginA(), upn('alice'));
      const [secretOnly = ''] = codeOf(again).split('.');
      await t
        .http()
        .post('/api/microsoft365/sso/token')
        .set('Cookie', again.cookie)
        .send({ code: secretOnly })
        .expect(400);
      // Alice's own code, untouched, still gives her session.
      const token = await sessionFromPortal(alice);
      const me = await t.as(token).get('/api/auth/me').expect(200);
      expect(me.body).toMatchObject({ user: { userPrincipalName: upn('alice') } });
    });

    it('issues the browser cookie only from the server: a value the client chose is replaced and refused', async () => {
      const chosen = 'm365_sso_browser=attacker-chosen-value';
      const login = await t.http().get(loginA()).set('Cookie', chosen).expect(302);
      const issued = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
      expect(issued).toMatch(/^m365_sso_browser=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
      expect(issued).not.toBe(chosen);
      // A planted key (even the bare key of a real cookie, without its signature) does not bind the callback.
      const planted = browserSignIn(loginA(), upn('bob'), { cookie: (own) => own.replace(/\.[^.]*$/, '') });
      await expectRefused(await planted, 'SSO_INVALID_STATE', 400);
    });

    it('refuses the callback by GET, without using the state up', async () => {
      let form: Record<string, string> = {};
      const result = await browserSignIn(loginA(), upn('bob'), {
        beforeCallback: async (posted) => {
          form = posted;
          const viaGet = await t
            .http()
            .get(`/api/microsoft365/sso/callback?${new URLSearchParams(posted).toString()}`)
            .set(
              'Cookie',
              String((await t.http().get(loginA())).headers['set-cookie']?.[0]).split(';')[0] ?? '',
            );
          captured.push(viaGet.text);
          await expectRefused({ status: viaGet.status, text: viaGet.text }, 'SSO_INVALID_REQUEST', 400);
        },
      });
      expect(form['code']).toBeTruthy();
      expect(result.status).toBe(302);
      await sessionFromPortal(result);
    });
  });

  it('matches the rules on the object id: renaming an excluded user in Entra does not let them in', async () => {
    const { microsoft } = await addLinkedUser('renamed.excluded');
    const saved = await ssoSettings(tenantA, {
      users: { scope: 'EXCLUDE', selectedUsers: [upn('renamed.excluded').toUpperCase()] },
    }).expect(200);
    try {
      expect(saved.body.users.selectedUsers).toEqual([
        { objectId: microsoft.id.toLowerCase(), userPrincipalName: upn('renamed.excluded') },
      ]);
      m365.emulator.control.updateUser({
        tenant: m365.seeded.tenantId,
        user: microsoft.id,
        changes: { userPrincipalName: upn('renamed.elsewhere') },
      });
      await expectRefused(await browserSignIn(loginA(), upn('renamed.elsewhere')), 'SSO_NOT_ALLOWED', 403);
      const unknown = await ssoSettings(tenantA, {
        users: { scope: 'EXCLUDE', selectedUsers: [upn('nobody.here')] },
      }).expect(400);
      expect(unknown.body.errors).toEqual([
        {
          field: 'users.selectedUsers',
          reasons: [`${upn('nobody.here')} is not a user of the tenant's directory`],
        },
      ]);
    } finally {
      await ssoSettings(tenantA, { users: { scope: 'ALL', selectedUsers: [] } }).expect(200);
    }
  });

  it('follows a signing-key rotation right after the last key fetch', async () => {
    await addLinkedUser('rolled');
    // The first rotation makes the PBX fetch the keys; the second comes right after that fetch.
    await m365.emulator.control.rotateSigningKey({ tenant: m365.seeded.tenantId });
    await sessionFromPortal(await browserSignIn(loginA(), upn('rolled')));
    await m365.emulator.control.rotateSigningKey({ tenant: m365.seeded.tenantId });
    await sessionFromPortal(await browserSignIn(loginA(), upn('rolled')));
  });

  it('follows a signing-key rotation at Entra without failures', async () => {
    await addLinkedUser('gina');
    expect((await browserSignIn(loginA(), upn('gina'))).status).toBe(302);
    await m365.emulator.control.rotateSigningKey({ tenant: m365.seeded.tenantId });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const after = await browserSignIn(loginA(), upn('gina'));
    expect(after.status).toBe(302);
    await sessionFromPortal(after);
  });

  describe('mobile app', () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const appLogin = (
      redirect = APP_REDIRECT,
      extra = `&code_challenge=${challenge}&code_challenge_method=S256`,
    ) =>
      `/api/microsoft365/sso/login?sipDomain=${tenantA.tenant.sipDomain}&client=app&redirect_uri=${encodeURIComponent(redirect)}${extra}`;

    beforeAll(async () => {
      await addLinkedUser('hugo');
      await ssoSettings(tenantA, { appRedirectUris: [APP_REDIRECT] }).expect(200);
    });

    async function appCode(): Promise<string> {
      const result = await browserSignIn(appLogin(), upn('hugo'));
      expect(result.status).toBe(302);
      expect(result.location).toMatch(/^com\.example\.pbx:\/sso\?code=/);
      expect(await sessionCount()).toBe(sessionsBefore);
      return new URL(String(result.location)).searchParams.get('code') ?? '';
    }

    it('redirects to the app with a one-time code the app exchanges with its verifier', async () => {
      const code = await appCode();
      const exchanged = await t
        .http()
        .post('/api/microsoft365/sso/app/token')
        .send({ code, code_verifier: verifier })
        .expect(200);
      expect(exchanged.body).toMatchObject({ scope: tenantA.tenant.id, role: 'user' });
      await t.as(exchanged.body.token).get('/api/auth/me').expect(200);
      // Once only.
      const again = await t
        .http()
        .post('/api/microsoft365/sso/app/token')
        .send({ code, code_verifier: verifier });
      expect(again.status).toBe(400);
      expect(again.body).toMatchObject({ code: 'SSO_INVALID_APP_CODE' });
    });

    it('refuses a wrong PKCE verifier, and the code is then used up', async () => {
      const code = await appCode();
      const wrong = await t
        .http()
        .post('/api/microsoft365/sso/app/token')
        .send({ code, code_verifier: randomBytes(32).toString('base64url') });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toMatchObject({ code: 'SSO_INVALID_APP_CODE' });
      const right = await t
        .http()
        .post('/api/microsoft365/sso/app/token')
        .send({ code, code_verifier: verifier });
      expect(right.status).toBe(400);
      expect(await sessionCount()).toBe(sessionsBefore);
    });

    it('refuses an unregistered redirect URI and a missing challenge with a page, never redirecting', async () => {
      const unregistered = await t.http().get(appLogin('com.evil.app:/steal'));
      await expectRefused(
        { status: unregistered.status, text: unregistered.text, location: unregistered.headers.location },
        'SSO_REDIRECT_URI_NOT_REGISTERED',
        400,
      );
      const noChallenge = await t.http().get(appLogin(APP_REDIRECT, ''));
      await expectRefused(
        { status: noChallenge.status, text: noChallenge.text, location: noChallenge.headers.location },
        'SSO_INVALID_REQUEST',
        400,
      );
    });

    it('accepts an https redirect URI only once a system administrator approved it for the tenant', async () => {
      const https = 'https://app.example.com/sso';
      const refused = await ssoSettings(tenantA, { appRedirectUris: [APP_REDIRECT, https] }).expect(400);
      expect(refused.body.errors).toEqual([
        { field: 'appRedirectUris', reasons: [expect.stringContaining("system administrator's approval")] },
      ]);
      await ssoSettings(tenantA, { approvedAppRedirectUris: [https] }).expect(403);
      const approved = await ssoSettings(tenantA, { approvedAppRedirectUris: [https] }, system).expect(200);
      expect(approved.body).toMatchObject({ approvedAppRedirectUris: [https] });
      await ssoSettings(tenantA, { appRedirectUris: [APP_REDIRECT, https] }).expect(200);
      try {
        const login = await t.http().get(appLogin(https)).expect(302);
        expect(new URL(String(login.headers.location)).origin).toBe(m365.emulator.baseUrl);
        // Withdrawn: the registered URI no longer receives sign-ins.
        await ssoSettings(tenantA, { approvedAppRedirectUris: [] }, system).expect(200);
        const withdrawn = await t.http().get(appLogin(https));
        expect(withdrawn.status).toBe(400);
        expect(withdrawn.text).toContain('SSO_REDIRECT_URI_NOT_REGISTERED');
      } finally {
        await ssoSettings(tenantA, { appRedirectUris: [APP_REDIRECT] }).expect(200);
      }
    });

    it('decides the role again at the exchange: a user disabled meanwhile gets SSO_USER_DISABLED', async () => {
      const { pbx } = await addLinkedUser('app.disabled');
      const result = await browserSignIn(appLogin(), upn('app.disabled'));
      const code = new URL(String(result.location)).searchParams.get('code') ?? '';
      await t
        .as(tenantA.adminToken)
        .patch(`/api/tenants/${tenantA.tenant.id}/users/${pbx.user.id}`)
        .send({ enabled: false })
        .expect(200);
      const refused = await t
        .http()
        .post('/api/microsoft365/sso/app/token')
        .send({ code, code_verifier: verifier })
        .expect(403);
      expect(refused.body).toMatchObject({ code: 'SSO_USER_DISABLED' });
      expect(await sessionCount()).toBe(sessionsBefore);
    });

    it('tells the app why a sign-in was refused, at its redirect URI', async () => {
      await ssoSettings(tenantA, { users: { app: false } }).expect(200);
      try {
        const result = await browserSignIn(appLogin(), upn('hugo'));
        expect(result.status).toBe(302);
        expect(result.location).toMatch(/^com\.example\.pbx:\/sso\?error=SSO_NOT_ALLOWED/);
        expect(await sessionCount()).toBe(sessionsBefore);
      } finally {
        await ssoSettings(tenantA, { users: { app: true } }).expect(200);
      }
    });
  });

  it('signs a system admin in only with a Microsoft account bound to them in the system-level configuration', async () => {
    await connectTenant(
      t,
      m365,
      { tenant: { id: 'system' }, adminToken: system },
      {
        settings: { features: { singleSignOn: true } },
      },
    );
    const root = addMicrosoftUser('root');
    // The system admin carries the account's UPN: a matching name alone must not be enough.
    await t.orm.em
      .fork()
      .execute(`update users set user_principal_name = ? where username = 'admin' and tenant_id is null`, [
        upn('root'),
      ]);
    const adminId = String(
      ((await t.as(system).get('/api/auth/me').expect(200)).body as { user: { id: string } }).user.id,
    );
    const systemLogin = '/api/microsoft365/sso/login?scope=system';
    await ssoSettings('system', { administrators: { enabled: true, scope: 'ALL' } }).expect(200);
    await expectRefused(await browserSignIn(systemLogin, upn('root')), 'SSO_USER_NOT_FOUND', 403);

    const bound = await ssoSettings('system', {
      systemAdminAccounts: [{ objectId: root.id.toUpperCase(), adminId }],
      administrators: { enabled: false },
    }).expect(200);
    expect(bound.body).toMatchObject({ systemAdminAccounts: [{ objectId: root.id.toLowerCase(), adminId }] });
    // Bound, and still subject to the rules.
    await expectRefused(await browserSignIn(systemLogin, upn('root')), 'SSO_NOT_ALLOWED', 403);
    await ssoSettings('system', { administrators: { enabled: true } }).expect(200);
    const result = await browserSignIn(systemLogin, upn('root'));
    const me = await t
      .as(await sessionFromPortal(result))
      .get('/api/auth/me')
      .expect(200);
    expect(me.body).toMatchObject({ user: { id: adminId }, session: { role: 'system-admin' } });
    sessionsBefore = await sessionCount();
    // A tenant user's Microsoft account is not a system admin.
    await expectRefused(await browserSignIn(systemLogin, upn('alice')), 'SSO_USER_NOT_FOUND', 403);
  });

  it('binds system admins’ accounts only in the system scope, only to system admins, with field errors', async () => {
    const fieldsOf = (body: unknown) =>
      ((body as { errors: { field: string; reasons: string[] }[] }).errors ?? []).map((error) => error.field);
    const objectId = randomUUID();
    const inTenant = await ssoSettings(tenantA, {
      systemAdminAccounts: [{ objectId, adminId: randomUUID() }],
    }).expect(400);
    expect(fieldsOf(inTenant.body)).toEqual(['systemAdminAccounts']);
    const plain = await t.createUser(tenantA.adminToken, tenantA.tenant.id);
    const notAnAdmin = await ssoSettings('system', {
      systemAdminAccounts: [{ objectId, adminId: plain.user.id }],
    }).expect(400);
    expect(fieldsOf(notAnAdmin.body)).toEqual(['systemAdminAccounts']);
    const malformed = await ssoSettings('system', {
      systemAdminAccounts: [{ objectId: 'root@contoso.test', adminId: '' }],
    }).expect(400);
    expect(fieldsOf(malformed.body).join(' ')).toMatch(/objectId/);
    expect(fieldsOf(malformed.body).join(' ')).toMatch(/adminId/);
    // Nothing was saved by the refused requests.
    const view = await t.as(system).get('/api/microsoft365/tenants/system/sso').expect(200);
    expect((view.body as { systemAdminAccounts: { objectId: string }[] }).systemAdminAccounts).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ objectId })]),
    );
  });

  describe('SSO settings API', () => {
    it('validates with field errors', async () => {
      const response = await ssoSettings(tenantA, {
        users: { scope: 'SOME', selectedUsers: [''] },
        appRedirectUris: ['javascript:alert(1)', 'http://insecure.example/cb'],
        domainHint: 'not a domain',
        extra: true,
      }).expect(400);
      const fields = (response.body.errors as { field: string }[]).map((error) => error.field).sort();
      expect(fields).toEqual(
        expect.arrayContaining([
          'appRedirectUris',
          'domainHint',
          'extra',
          'users.scope',
          'users.selectedUsers',
        ]),
      );
    });

    it('is tenant-scoped: another tenant’s admin and plain users are refused', async () => {
      const view = await t
        .as(tenantA.adminToken)
        .get(`/api/microsoft365/tenants/${tenantA.tenant.id}/sso`)
        .expect(200);
      expect(view.body).toMatchObject({
        pbxTenantId: tenantA.tenant.id,
        enabled: true,
        redirectUris: [CALLBACK],
        appRedirectUris: [APP_REDIRECT],
        users: { enabled: true, scope: 'ALL' },
      });
      await t.as(tenantB.adminToken).get(`/api/microsoft365/tenants/${tenantA.tenant.id}/sso`).expect(403);
      await ssoSettings(tenantA, { users: { enabled: false } }, tenantB.adminToken).expect(403);
      await t.as(tenantB.adminToken).get('/api/microsoft365/tenants/system/sso').expect(403);
      const plain = await t.createUser(tenantA.adminToken, tenantA.tenant.id);
      const plainToken = await t.loginUser(plain, tenantA.tenant);
      await t.as(plainToken).get(`/api/microsoft365/tenants/${tenantA.tenant.id}/sso`).expect(403);
      await t.http().get(`/api/microsoft365/tenants/${tenantA.tenant.id}/sso`).expect(401);
    });

    it('keeps tenants apart: tenant B’s users cannot sign in through tenant A', async () => {
      addMicrosoftUser('ivan');
      // A user of tenant B with the UPN of a Microsoft user of tenant A's directory.
      await t.createUser(tenantB.adminToken, tenantB.tenant.id, { userPrincipalName: upn('ivan') });
      await expectRefused(await browserSignIn(loginA(), upn('ivan')), 'SSO_USER_NOT_FOUND', 403);
    });
  });

  it('ends the PBX session and offers Entra’s logout', async () => {
    const result = await browserSignIn(loginA(), upn('alice'));
    const token = await sessionFromPortal(result);
    const out = await t
      .as(token)
      .post(`/api/microsoft365/sso/logout?tenant=${tenantA.tenant.id}`)
      .expect(200);
    expect(out.body.microsoftLogoutUrl).toBe(
      `${m365.emulator.baseUrl}/${m365.seeded.tenantId}/oauth2/v2.0/logout`,
    );
    await t.as(token).get('/api/auth/me').expect(401);
  });

  it('signs a synced user in through the object-id link after a UPN rename, and refuses a recycled UPN', async () => {
    const base = `/api/microsoft365/tenants/${tenantA.tenant.id}`;
    const carol = addMicrosoftUser('linked.user');
    m365.emulator.control.updateUser({
      tenant: m365.seeded.tenantId,
      user: carol.id,
      changes: { givenName: 'Carol', surname: 'Example' },
    });
    await t
      .as(tenantA.adminToken)
      .patch(`${base}/user-sync/settings`)
      .send({ selectionMode: 'INCLUDE', selectedUsers: [carol.id] })
      .expect(200);
    const started = await t.as(tenantA.adminToken).post(`${base}/user-sync/runs`).send({}).expect(202);
    let run = started.body as { id: string; status: string; counts: Record<string, number> };
    for (let i = 0; run.status === 'RUNNING' && i < 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      run = (await t.as(tenantA.adminToken).get(`${base}/user-sync/runs/${run.id}`)).body as typeof run;
    }
    expect(run.counts).toMatchObject({ created: 1 });
    const [pbxCarol] = await t.get<PbxDirectoryPort>(PBX_DIRECTORY).findUsers(tenantA.tenant.id, {
      userPrincipalNames: [upn('linked.user')],
    });

    // Renamed in Microsoft 365, not yet synced: the PBX still knows the old UPN, the link finds her anyway.
    m365.emulator.control.updateUser({
      tenant: m365.seeded.tenantId,
      user: carol.id,
      changes: { userPrincipalName: upn('linked.renamed') },
    });
    const renamed = await browserSignIn(loginA(), upn('linked.renamed'));
    const me = await t
      .as(await sessionFromPortal(renamed))
      .get('/api/auth/me')
      .expect(200);
    expect(me.body).toMatchObject({ user: { id: pbxCarol?.id } });

    // A new account that got Carol's old UPN is not Carol, although the PBX user still carries that name.
    addMicrosoftUser('linked.user');
    sessionsBefore = await sessionCount();
    await expectRefused(await browserSignIn(loginA(), upn('linked.user')), 'SSO_USER_NOT_FOUND');
  });

  it('never logs a token, a code, a state or a password', () => {
    const text = captured.join('\n');
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
    expect(text).not.toContain(PASSWORD);
    // The passwords this file really sent: the PBX users' (created with it) and the admin's.
    expect(text).not.toContain(TEST_USER_PASSWORD);
    expect(text).not.toContain(TEST_ADMIN_PASSWORD);
  });
});

function randomUuidLike(): string {
  return randomUUID();
}

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
