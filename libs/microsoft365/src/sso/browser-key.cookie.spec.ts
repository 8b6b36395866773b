import { browserKeyCookie, readBrowserKey } from './browser-key.cookie';

describe('the browser key cookie', () => {
  it('is HttpOnly, Secure, SameSite=None, limited to the sign-in routes and to 15 minutes', () => {
    const cookie = browserKeyCookie('k3y', '/api/microsoft365/sso');
    expect(cookie.split('; ').sort()).toEqual(
      [
        'HttpOnly',
        'Max-Age=900',
        'Path=/api/microsoft365/sso',
        'SameSite=None',
        'Secure',
        'm365_sso_browser=k3y',
      ].sort(),
    );
  });

  it('is read back from a Cookie header among other cookies, and is absent otherwise', () => {
    expect(readBrowserKey({ headers: { cookie: 'a=1; m365_sso_browser=k3y; b=2' } })).toBe('k3y');
    expect(readBrowserKey({ headers: { cookie: 'a=1' } })).toBeUndefined();
    expect(readBrowserKey({ headers: {} })).toBeUndefined();
    expect(readBrowserKey({ headers: { cookie: 'm365_sso_browser=' } })).toBeUndefined();
  });
});
