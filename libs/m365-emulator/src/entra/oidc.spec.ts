import { createHash, randomBytes } from 'node:crypto';
import { fetch } from 'undici';
import * as jose from 'jose';
import { EmulatorFixture, type FetchResult } from '../testing/emulator.fixture';

const REDIRECT_URI = 'https://pbx.example/auth/callback';

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function hiddenInputs(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)"(?: id="[^"]*")? value="([^"]*)"/g)) {
    fields[match[1] ?? ''] = (match[2] ?? '').replace(/&amp;/g, '&');
  }
  return fields;
}

describe('OpenID Connect authorization code flow with PKCE', () => {
  let fixture: EmulatorFixture;
  let upn: string;
  let password: string;

  beforeAll(async () => {
    fixture = await EmulatorFixture.start({
      seed: { users: 10, app: { permissions: ['User.Read.All'], redirectUris: [REDIRECT_URI] } },
    });
    upn = fixture.seeded.sampleUserPrincipalNames[0] ?? '';
    password = fixture.seeded.password;
  });

  afterAll(async () => {
    await fixture.close();
  });

  const authorizeUrl = (params: Record<string, string>): string =>
    `/${fixture.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: fixture.clientId,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile email offline_access',
      state: 'state-123',
      nonce: 'nonce-456',
      ...params,
    }).toString()}`;

  async function signIn(
    params: Record<string, string>,
    credentials = { username: upn, password },
  ): Promise<FetchResult> {
    const page = await fixture.fetch(authorizeUrl(params));
    expect(page.status).toBe(200);
    const action = /<form id="signInForm"[^>]* action="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const ctx = /name="ctx" id="ctx" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    expect(page.text).toContain('id="i0116"');
    return fixture.fetch(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        ctx,
        loginfmt: credentials.username,
        passwd: credentials.password,
      }).toString(),
    });
  }

  function redeem(code: string, verifier: string, redirectUri = REDIRECT_URI): Promise<FetchResult> {
    return fixture.fetch(`/${fixture.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: fixture.clientId,
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: fixture.assertion(),
      }).toString(),
    });
  }

  /** jose fetches the JWKS through undici so it trusts the emulator CA. */
  const trustingFetch: jose.FetchImplementation = async (url, init) => {
    const response = await fetch(url, {
      method: init.method,
      signal: init.signal,
      dispatcher: fixture.agent,
    });
    return new Response(await response.arrayBuffer(), {
      status: response.status,
      headers: { 'content-type': 'application/json' },
    });
  };

  const jwks = () =>
    jose.createRemoteJWKSet(new URL(`${fixture.emulator.baseUrl}/${fixture.tenantId}/discovery/v2.0/keys`), {
      [jose.customFetch]: trustingFetch,
    });

  it('signs in (query response), redeems the code with PKCE and yields an ID token that jose validates', async () => {
    const { verifier, challenge } = pkce();
    const redirect = await signIn({ code_challenge: challenge, code_challenge_method: 'S256' });
    expect(redirect.status).toBe(302);
    const location = new URL(redirect.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('state')).toBe('state-123');
    const code = location.searchParams.get('code') ?? '';

    const tokens = await redeem(code, verifier);
    expect(tokens.status).toBe(200);
    expect(tokens.json).toMatchObject({
      token_type: 'Bearer',
      id_token: expect.any(String),
      access_token: expect.any(String),
      refresh_token: expect.any(String),
    });
    const { payload, protectedHeader } = await jose.jwtVerify(String(tokens.json['id_token']), jwks(), {
      issuer: `${fixture.emulator.baseUrl}/${fixture.tenantId}/v2.0`,
      audience: fixture.clientId,
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    expect(payload).toMatchObject({
      nonce: 'nonce-456',
      tid: fixture.tenantId,
      preferred_username: upn,
      ver: '2.0',
      email: upn,
    });
    const user = fixture.emulator.control.getUser({ tenant: fixture.tenantId, user: upn });
    expect(payload['oid']).toBe(user.id);

    const me = await fixture.graph('/me?$select=id,userPrincipalName', {
      token: String(tokens.json['access_token']),
    });
    expect(me.json).toMatchObject({ id: user.id, userPrincipalName: upn });

    const replay = await redeem(code, verifier);
    expect(replay.json).toMatchObject({ error: 'invalid_grant', error_codes: [54005] });
  });

  it('rejects a wrong PKCE verifier and a different redirect_uri at redemption', async () => {
    const { challenge } = pkce();
    const first = await signIn({ code_challenge: challenge, code_challenge_method: 'S256', prompt: 'login' });
    const code = new URL(first.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const wrong = await redeem(code, pkce().verifier);
    expect(wrong.json).toMatchObject({ error: 'invalid_grant', error_codes: [501481] });

    const { verifier: verifier2, challenge: challenge2 } = pkce();
    const second = await signIn({
      code_challenge: challenge2,
      code_challenge_method: 'S256',
      prompt: 'login',
    });
    const code2 = new URL(second.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const mismatch = await redeem(code2, verifier2, 'https://pbx.example/other');
    expect(mismatch.json).toMatchObject({ error: 'invalid_grant', error_codes: [50011] });
  });

  it('delivers the code via form_post and keeps an SSO session (prompt=none works afterwards)', async () => {
    const { challenge } = pkce();
    const posted = await signIn({
      response_mode: 'form_post',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expect(posted.status).toBe(200);
    expect(posted.text).toContain(`action="${REDIRECT_URI}"`);
    const fields = hiddenInputs(posted.text);
    expect(fields['state']).toBe('state-123');
    expect(fields['code']).toBeTruthy();

    const cookie = (posted.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const silent = await fixture.fetch(authorizeUrl({ prompt: 'none' }), { headers: { cookie } });
    expect(silent.status).toBe(302);
    expect(new URL(silent.headers.get('location') ?? '').searchParams.get('code')).toBeTruthy();
    const anonymous = await fixture.fetch(authorizeUrl({ prompt: 'none' }));
    expect(new URL(anonymous.headers.get('location') ?? '').searchParams.get('error')).toBe('login_required');

    const logout = await fixture.fetch(
      `/${fixture.tenantId}/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent(REDIRECT_URI)}&state=bye`,
      { headers: { cookie } },
    );
    expect(logout.status).toBe(302);
    expect(logout.headers.get('location')).toBe(`${REDIRECT_URI}?state=bye`);
    const afterLogout = await fixture.fetch(authorizeUrl({ prompt: 'none' }), { headers: { cookie } });
    expect(new URL(afterLogout.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'login_required',
    );
  });

  it('refuses unregistered redirect URIs, wrong passwords and disabled users', async () => {
    const unregistered = await fixture.fetch(authorizeUrl({ redirect_uri: 'https://evil.example/cb' }));
    expect(unregistered.status).toBe(400);
    expect(unregistered.text).toContain('AADSTS50011');

    const wrongPassword = await signIn({}, { username: upn, password: 'nope' });
    expect(wrongPassword.status).toBe(200);
    expect(wrongPassword.text).toContain('AADSTS50126');

    const other = fixture.seeded.sampleUserPrincipalNames[1] ?? '';
    fixture.emulator.control.disableUser({ tenant: fixture.tenantId, user: other });
    const disabled = await signIn({}, { username: other, password });
    expect(disabled.status).toBe(400);
    expect(disabled.text).toContain('AADSTS50057');
  });

  it('rotates signing keys: new tokens use the new kid, old ones verify until the old key is removed', async () => {
    const obtainIdToken = async (): Promise<string> => {
      const { verifier, challenge } = pkce();
      const redirect = await signIn({
        code_challenge: challenge,
        code_challenge_method: 'S256',
        prompt: 'login',
      });
      const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? '';
      return String((await redeem(code, verifier)).json['id_token']);
    };
    const options = {
      issuer: `${fixture.emulator.baseUrl}/${fixture.tenantId}/v2.0`,
      audience: fixture.clientId,
    };
    const before = await obtainIdToken();
    const oldKid = jose.decodeProtectedHeader(before).kid ?? '';
    const keys = await fixture.emulator.control.rotateSigningKey({ tenant: fixture.tenantId });
    expect(keys).toHaveLength(2);
    const after = await obtainIdToken();
    expect(jose.decodeProtectedHeader(after).kid).not.toBe(oldKid);
    await expect(jose.jwtVerify(before, jwks(), options)).resolves.toBeTruthy();
    await expect(jose.jwtVerify(after, jwks(), options)).resolves.toBeTruthy();
    fixture.emulator.control.removeSigningKey({ tenant: fixture.tenantId, kid: oldKid });
    await expect(jose.jwtVerify(before, jwks(), options)).rejects.toThrow();
    await expect(jose.jwtVerify(after, jwks(), options)).resolves.toBeTruthy();
  });
});
