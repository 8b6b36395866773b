import { createTrustingAgent } from '@pbx/m365-emulator';
import { createTestApp, type TenantWithAdmin, type TestApp } from '@pbx/test/support/create-test-app';
import {
  connectTenant,
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';
import { randomUUID } from 'node:crypto';
import { type Dispatcher, fetch } from 'undici';

/**
 * Issue 19, part 7: a tenant's SBC URL. Its callback is listed with the redirect URIs to register, and a sign-in
 * that reaches the PBX through the SBC goes round Microsoft with the SBC's redirect URI; without the setting, a
 * sign-in through the SBC is refused before Microsoft. Also the admin consent link of the settings view.
 */
const CALLBACK = 'http://pbx.test/api/microsoft365/sso/callback';
const SBC = 'https://sbc.customer.test';
const SBC_CALLBACK = `${SBC}/api/microsoft365/sso/callback`;
const PASSWORD = 'Emulated-password-1';
/** What the SBC adds when it forwards a browser's request (the host trusts loopback proxies). */
const THROUGH_SBC = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'sbc.customer.test' };

describe('Microsoft 365 sign-in through an SBC (per-tenant SBC URL)', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let tenant: TenantWithAdmin;
  let base: string;
  let agent: Dispatcher;

  beforeAll(async () => {
    m365 = await startEmulatedMicrosoft365({
      app: { permissions: ['User.Read.All'], redirectUris: [CALLBACK, SBC_CALLBACK] },
    });
    agent = createTrustingAgent(m365.emulator.caPem);
    t = await createTestApp({ microsoft365: m365.moduleOptions });
    tenant = await t.createTenantWithAdmin();
    base = await connectTenant(t, m365, tenant, {
      permissions: ['User.Read.All'],
      settings: { features: { singleSignOn: true } },
    });
    const upn = `sbc.user@${m365.seeded.domain}`;
    const microsoft = m365.emulator.control.addUser({
      tenant: m365.seeded.tenantId,
      user: { id: randomUUID(), userPrincipalName: upn, displayName: 'Sbc User', password: PASSWORD },
    });
    const pbx = await t.createUser(tenant.adminToken, tenant.tenant.id, { userPrincipalName: upn });
    await t
      .as(tenant.adminToken)
      .post(`${base}/user-sync/links`)
      .send({ pbxUserId: pbx.user.id, microsoft365User: microsoft.id })
      .expect(201);
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  const patch = (body: object) => t.as(tenant.adminToken).patch(`${base}/settings`).send(body);

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

  it('validates the SBC URL: https, no query or fragment, at most 200 characters', async () => {
    for (const sbcUrl of [
      'http://sbc.customer.test',
      'https://sbc.customer.test/?next=x',
      'https://sbc.customer.test/#x',
      `https://${'a'.repeat(200)}.test`,
      'javascript:alert(1)',
      'https://user:pass@sbc.customer.test',
      42,
    ]) {
      const answer = await patch({ sbcUrl }).expect(400);
      expect(answer.body).toMatchObject({ code: 'INVALID_INPUT', errors: [{ field: 'sbcUrl' }] });
    }
  });

  it('lists the SBC redirect URI in the settings and sign-in views, and the admin consent link', async () => {
    const view = (await patch({ sbcUrl: `${SBC}/` }).expect(200)).body as Record<string, unknown>;
    expect(view).toMatchObject({ sbcUrl: `${SBC}/`, sbcRedirectUri: SBC_CALLBACK });
    expect(view['redirectUris']).toEqual([CALLBACK, SBC_CALLBACK]);
    const sso = (await t.as(tenant.adminToken).get(`${base}/sso`).expect(200)).body as Record<
      string,
      unknown
    >;
    expect(sso['redirectUris']).toEqual([CALLBACK, SBC_CALLBACK]);
    // The consent link: the configured authority (the emulator here), the app, the Global cloud's Graph scope.
    const consent = new URL(String((view['adminConsent'] as { url: string }).url));
    expect(`${consent.origin}${consent.pathname}`).toBe(
      `${m365.emulator.baseUrl}/${m365.seeded.tenantId}/v2.0/adminconsent`,
    );
    expect(Object.fromEntries(consent.searchParams)).toEqual({
      client_id: m365.seeded.clientId,
      scope: 'https://graph.microsoft.com/.default',
      redirect_uri: CALLBACK,
    });
    const other = await t.createTenantWithAdmin();
    const unconfigured = (
      await t.as(other.adminToken).get(`/api/microsoft365/tenants/${other.tenant.id}/settings`).expect(200)
    ).body as { adminConsent: unknown; redirectUris: string[] };
    expect(unconfigured.adminConsent).toEqual({
      url: null,
      unavailableReason: 'Enter the application (client) ID and the directory (tenant) ID first.',
    });
    // Another tenant's SBC is not this one's.
    expect(unconfigured.redirectUris).toEqual([CALLBACK]);
  });

  it('shows the admin where the consent link brought them back, without echoing what the query says', async () => {
    // What Entra sends after its consent screen (learn.microsoft.com/en-us/entra/identity-platform/v2-admin-consent).
    const callback = '/api/microsoft365/sso/callback';
    const granted = await t
      .http()
      .get(callback)
      .query({
        admin_consent: 'True',
        tenant: m365.seeded.tenantId,
        scope: 'https://graph.microsoft.com/.default',
      })
      .expect(200);
    expect(granted.headers['content-type']).toMatch(/^text\/html/);
    expect(granted.text).toContain('data-granted="true"');
    expect(granted.text).toContain('run the connection test');
    const refused = await t
      .http()
      .get(callback)
      .query({ error: 'access_denied', error_description: '<b>Call +1 555 0100</b>' })
      .expect(200);
    expect(refused.text).toContain('data-granted="false" data-error-code="access_denied"');
    expect(refused.text).not.toContain('555 0100');
    // A sign-in answer by GET is still refused.
    const signIn = await t.http().get(callback).query({ code: 'x', state: 'y' }).expect(400);
    expect(signIn.text).toContain('data-error-code="SSO_INVALID_REQUEST"');
  });

  it('signs in through the SBC with the SBC redirect URI, round Microsoft and back', async () => {
    await patch({ sbcUrl: SBC }).expect(200);
    const login = await t
      .http()
      .get(`/api/microsoft365/sso/login?tenant=${tenant.tenant.id}`)
      .set(THROUGH_SBC)
      .expect(302);
    const cookie = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
    const authorize = new URL(String(login.headers.location));
    expect(authorize.searchParams.get('redirect_uri')).toBe(SBC_CALLBACK);
    const page = await emulator(authorize.toString());
    const ctx = /name="ctx" id="ctx" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const action = /id="signInForm" name="f1" method="post" action="([^"]+)"/.exec(page)?.[1] ?? '';
    const posted = await emulator(`${m365.emulator.baseUrl}${action}`, {
      ctx,
      loginfmt: `sbc.user@${m365.seeded.domain}`,
      passwd: PASSWORD,
    });
    // Entra posts the code back to the SBC's callback, which the SBC forwards to the PBX.
    expect(/<form method="POST" name="hiddenform" action="([^"]+)">/.exec(posted)?.[1]).toBe(SBC_CALLBACK);
    const form = Object.fromEntries(
      [...posted.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)" \/>/g)].map((m) => [
        m[1] ?? '',
        (m[2] ?? '').replace(/&amp;/g, '&').replace(/&quot;/g, '"'),
      ]),
    );
    const callback = await t
      .http()
      .post('/api/microsoft365/sso/callback')
      .set(THROUGH_SBC)
      .set('Cookie', cookie)
      .type('form')
      .send(form)
      .expect(302);
    const code = new URLSearchParams(new URL(String(callback.headers.location)).hash.slice(1)).get(
      'sso_code',
    );
    const session = await t
      .http()
      .post('/api/microsoft365/sso/token')
      .set('Cookie', cookie)
      .send({ code })
      .expect(200);
    expect(session.body).toMatchObject({ token: expect.any(String), scope: tenant.tenant.id });
  });

  it('never sends Microsoft back to an SBC the tenant has not set', async () => {
    const view = (await patch({ sbcUrl: null }).expect(200)).body as Record<string, unknown>;
    expect(view).toMatchObject({ sbcUrl: null, sbcRedirectUri: null, redirectUris: [CALLBACK] });
    // Through an origin that is none of the tenant's (an unset SBC, or a proxy passing its own Host), the public
    // URL's redirect URI is the one Entra knows.
    for (const login of [
      await t
        .http()
        .get(`/api/microsoft365/sso/login?tenant=${tenant.tenant.id}`)
        .set(THROUGH_SBC)
        .expect(302),
      await t.http().get(`/api/microsoft365/sso/login?tenant=${tenant.tenant.id}`).expect(302),
    ]) {
      expect(new URL(String(login.headers.location)).searchParams.get('redirect_uri')).toBe(CALLBACK);
    }
  });
});
