import { SecretBox } from '../keys/secret-box.service';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { BrowserKeyCookie } from './browser-key.cookie';
import { randomBytes } from 'node:crypto';

function cookieFor(publicUrl: string, masterKey = randomBytes(32).toString('base64')): BrowserKeyCookie {
  const options: Microsoft365ModuleOptions = {
    environment: 'production',
    publicUrl,
    routePrefix: '/api',
    masterKey,
  };
  return new BrowserKeyCookie(new SecretBox(options), options);
}

const sent = (setCookie: string) => setCookie.split(';')[0] ?? '';

describe('the browser key cookie', () => {
  it('is __Host-, HttpOnly, Secure, SameSite=None, Path=/ and 15 minutes on https', () => {
    const { setCookie } = cookieFor('https://pbx.example').issue({ headers: {} });
    const [pair, ...attributes] = setCookie.split('; ');
    expect(pair).toMatch(/^__Host-m365_sso_browser=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    expect(attributes.sort()).toEqual(['HttpOnly', 'Max-Age=900', 'Path=/', 'SameSite=None', 'Secure']);
  });

  it('keeps its plain name, limited to the sign-in routes, where the origin is not secure', () => {
    const { setCookie } = cookieFor('http://pbx.test').issue({ headers: {} });
    expect(setCookie).toMatch(/^m365_sso_browser=/);
    expect(setCookie).toContain('Path=/api/microsoft365/sso');
  });

  it('reads back only values it signed itself, among other cookies', () => {
    const cookie = cookieFor('https://pbx.example');
    const { browserKey, setCookie } = cookie.issue({ headers: {} });
    expect(cookie.read({ headers: { cookie: `a=1; ${sent(setCookie)}; b=2` } })).toBe(browserKey);
    // Reused while valid, so two tabs share one key.
    expect(cookie.issue({ headers: { cookie: sent(setCookie) } }).browserKey).toBe(browserKey);

    const forged = `__Host-m365_sso_browser=${browserKey}.${randomBytes(32).toString('base64url')}`;
    for (const header of [forged, '__Host-m365_sso_browser=attacker', '__Host-m365_sso_browser=', 'a=1']) {
      expect(cookie.read({ headers: { cookie: header } })).toBeUndefined();
    }
    expect(cookie.read({ headers: {} })).toBeUndefined();
    // Signed under another master key: not ours.
    expect(cookieFor('https://pbx.example').read({ headers: { cookie: sent(setCookie) } })).toBeUndefined();
  });
});
