import { createTestApp, type TenantWithAdmin, type TestApp } from '@pbx/test/support/create-test-app';
import {
  connectTenant,
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium; scripts/ensure-test-browser.sh installs it (playwright's own download cannot run here). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'Browser-Passw0rd!';

/**
 * "Sign in with Microsoft" in a real headless Chromium: the PBX login endpoint, the emulator's sign-in page over
 * HTTPS, Entra's auto-submitting form_post back to the PBX, and the host's portal page exchanging its one-time code
 * for a session and showing the signed-in user.
 */
describe('Microsoft 365 single sign-on in a real browser', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let pbx: TenantWithAdmin;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `No Chromium at ${CHROMIUM}: run scripts/ensure-test-browser.sh (or set CHROMIUM_PATH)`,
      );
    }
    // User.Read.All: binding the PBX user to its Microsoft account looks the account up in Graph.
    m365 = await startEmulatedMicrosoft365({ app: { permissions: ['User.Read.All'] } });
    // localhost: a secure context for the browser, so the SameSite=None; Secure state cookie works over http.
    t = await createTestApp({ microsoft365: m365.moduleOptions, listen: true, publicHost: 'localhost' });
    pbx = await t.createTenantWithAdmin();
    await connectTenant(t, m365, pbx, { settings: { features: { singleSignOn: true } } });
    m365.emulator.control.updateApp({
      tenant: m365.seeded.tenantId,
      clientId: m365.seeded.clientId,
      redirectUris: [`${t.config.publicUrl}/api/microsoft365/sso/callback`],
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // The emulator's CA is not in the browser's store; no background traffic on a closed network.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--ignore-certificate-errors',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await m365?.close();
  });

  it('signs a linked PBX user in through the emulated Entra sign-in page and lands on the portal with a session', async () => {
    const upn = `browser.user@${m365.seeded.domain}`;
    const microsoftUser = m365.emulator.control.addUser({
      tenant: m365.seeded.tenantId,
      user: { id: randomUUID(), userPrincipalName: upn, displayName: 'Browser User', password: PASSWORD },
    });
    const pbxUser = await t.createUser(pbx.adminToken, pbx.tenant.id, { userPrincipalName: upn });
    // Sign-in finds PBX users by their link to the Microsoft account, never by name: an admin binds it first.
    await t
      .as(pbx.adminToken)
      .post(`/api/microsoft365/tenants/${pbx.tenant.id}/user-sync/links`)
      .send({ pbxUserId: pbxUser.user.id, microsoft365User: microsoftUser.id })
      .expect(201);

    const page = await browser.newPage();
    try {
      await page.goto(`${t.config.publicUrl}/api/microsoft365/sso/login?tenant=${pbx.tenant.id}`);
      await page.waitForURL((url) => url.origin === m365.emulator.baseUrl);
      await page.fill('input[name="loginfmt"]', upn);
      await page.fill('input[name="passwd"]', PASSWORD);
      await page.click('#idSIButton9');
      // The portal exchanged its one-time code from this browser and shows who signed in.
      await page.waitForSelector('#signedIn:not([hidden])', { timeout: 15_000 });
      expect(await page.textContent('#displayName')).toBe(pbxUser.user.displayName);
      expect(await page.textContent('#extension')).toBe(pbxUser.user.extension);
      expect(await page.textContent('#role')).toBe('user');
      const landed = new URL(page.url());
      expect(landed.origin).toBe(t.config.publicUrl);
      // Neither a session nor the used code stays in the address bar or the history.
      expect(landed.hash).toBe('');
      // The browser-binding cookie: server-issued, __Host- on this secure (localhost) origin, HttpOnly.
      const cookies = await page.context().cookies(t.config.publicUrl);
      expect(cookies.map((cookie) => cookie.name)).toContain('__Host-m365_sso_browser');
      expect(cookies.find((cookie) => cookie.name === '__Host-m365_sso_browser')).toMatchObject({
        httpOnly: true,
        secure: true,
        path: '/',
      });
      expect(await page.evaluate<string>('document.cookie')).not.toContain('m365_sso_browser');
      // The session the portal holds is a working host session of this user.
      const sessions = await t.orm.em
        .fork()
        .execute<{ n: string }[]>(`select count(*) as n from sessions where user_id = ?`, [pbxUser.user.id]);
      expect(Number(sessions[0]?.n)).toBe(1);
    } finally {
      await page.close();
    }
  }, 60_000);
});
