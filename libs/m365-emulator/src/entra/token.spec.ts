import { ConfidentialClientApplication, type AuthError } from '@azure/msal-node';
import {
  AuthenticationHandler,
  Client,
  type Context,
  PageIterator,
  type PageCollection,
} from '@microsoft/microsoft-graph-client';
import { fetch, type RequestInit } from 'undici';
import { createRsaCertificate } from '../tls/rsa-certificate.factory';
import { EmulatorFixture } from '../testing/emulator.fixture';
import { UndiciNetworkClient } from '../testing/undici-network.client';
import * as jose from 'jose';

function msalApp(
  fixture: EmulatorFixture,
  overrides: { tenant?: string; clientId?: string; privateKey?: string; thumbprintSha256?: string } = {},
): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: overrides.clientId ?? fixture.clientId,
      authority: fixture.emulator.authority(overrides.tenant ?? fixture.tenantId),
      knownAuthorities: [fixture.emulator.authorityHost],
      clientCertificate: {
        thumbprintSha256: overrides.thumbprintSha256 ?? fixture.certificate.thumbprintSha256Hex,
        privateKey: overrides.privateKey ?? fixture.certificate.privateKeyPem,
      },
    },
    system: { networkClient: new UndiciNetworkClient(fixture.agent) },
  });
}

async function msalError(promise: Promise<unknown>): Promise<AuthError & { subError?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as AuthError;
  }
  throw new Error('expected MSAL to fail');
}

describe('Entra token endpoint (client credentials with certificates)', () => {
  let fixture: EmulatorFixture;

  beforeAll(async () => {
    fixture = await EmulatorFixture.start({ seed: { users: 120 } });
  });

  afterAll(async () => {
    await fixture.close();
  });

  it('issues a Graph token to MSAL Node (PS256 / x5t#S256) that graph-client pages users with', async () => {
    const result = await msalApp(fixture).acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    });
    expect(result?.accessToken).toBeTruthy();
    const claims = jose.decodeJwt(result?.accessToken ?? '');
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${fixture.tenantId}/`,
      tid: fixture.tenantId,
      appid: fixture.clientId,
      roles: ['GroupMember.Read.All', 'ProfilePhoto.Read.All', 'User.Read.All'],
    });

    // The SDK's own HTTP handler calls the global fetch; undici's, with the agent that trusts the emulator's CA,
    // works the same on every Node version (the global fetch bundles another undici per version).
    const authentication = new AuthenticationHandler({
      getAccessToken: () => Promise.resolve(result?.accessToken ?? ''),
    });
    authentication.setNext({
      execute: async (context: Context) => {
        const response = await fetch(context.request as string, {
          ...(context.options as RequestInit),
          dispatcher: fixture.agent,
        });
        context.response = response;
      },
    });
    const client = Client.initWithMiddleware({
      middleware: authentication,
      baseUrl: `${fixture.emulator.baseUrl}/`,
      customHosts: new Set(['localhost']),
    });
    const firstPage = (await client.api('/users').top(50).select('id,displayName').get()) as PageCollection;
    const ids: string[] = [];
    const iterator = new PageIterator(client, firstPage, (user: { id: string }) => {
      ids.push(user.id);
      return true;
    });
    await iterator.iterate();
    expect(ids).toHaveLength(120);
    expect(new Set(ids).size).toBe(120);
  });

  it('accepts the legacy RS256 + x5t (SHA-1) assertion and allows jti reuse', async () => {
    const assertion = fixture.assertion({ algorithm: 'RS256' });
    const first = await fixture.requestToken({ client_assertion: assertion });
    const second = await fixture.requestToken({ client_assertion: assertion });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.json).toMatchObject({
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      ext_expires_in: expect.any(Number),
    });
  });

  it('tolerates ?client-request-id= on the POST and echoes it in errors', async () => {
    const result = await fixture.fetch(`/${fixture.tenantId}/oauth2/v2.0/token?client-request-id=abc-123`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: fixture.clientId,
        scope: 'https://graph.microsoft.com/.default',
      }).toString(),
    });
    expect(result.status).toBe(401);
    expect(result.json).toMatchObject({
      error: 'invalid_client',
      error_codes: [7000218],
      correlation_id: 'abc-123',
      error_uri: 'https://login.microsoftonline.com/error?code=7000218',
    });
    expect(String(result.json['error_description'])).toMatch(
      /^AADSTS7000218: .*\r\nTrace ID: .*\r\nCorrelation ID: abc-123\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/s,
    );
  });

  it('rejects an assertion signed with the wrong key (700027)', async () => {
    const stranger = await createRsaCertificate();
    const error = await msalError(
      msalApp(fixture, { privateKey: stranger.privateKeyPem }).acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/.default'],
      }),
    );
    expect(error.errorCode).toBe('invalid_client');
    expect(error.errorMessage).toContain('AADSTS700027');
    expect(error.errorMessage).toContain('use of the key to verify the signature failed');

    const unknown = await msalError(
      msalApp(fixture, {
        privateKey: stranger.privateKeyPem,
        thumbprintSha256: stranger.thumbprintSha256Hex,
      }).acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/.default'],
      }),
    );
    expect(unknown.errorMessage).toContain('AADSTS700027');
    expect(unknown.errorMessage).toContain('The key was not found.');
  });

  it('rejects an expired certificate with 700027 "The key used is expired"', async () => {
    const expired = await createRsaCertificate({
      notBefore: new Date(Date.now() - 400 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    fixture.emulator.control.addCertificate({
      tenant: fixture.tenantId,
      clientId: fixture.clientId,
      pem: expired.certificatePem,
    });
    const error = await msalError(
      msalApp(fixture, {
        privateKey: expired.privateKeyPem,
        thumbprintSha256: expired.thumbprintSha256Hex,
      }).acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/.default'],
      }),
    );
    expect(error.errorMessage).toContain('AADSTS700027');
    expect(error.errorMessage).toContain('The key used is expired');
  });

  it('answers unknown tenant 90002, unknown app 700016, bad scope 70011, unknown resource 500011', async () => {
    const tenantError = await msalError(
      msalApp(fixture, { tenant: '11111111-2222-3333-4444-555555555555' }).acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/.default'],
      }),
    );
    // Like real Entra, discovery already fails for an unknown tenant, so MSAL reports endpoint resolution.
    expect(tenantError.errorCode).toBe('endpoints_resolution_error');
    const discovery = await fixture.fetch(
      '/11111111-2222-3333-4444-555555555555/v2.0/.well-known/openid-configuration',
    );
    expect(discovery.json).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
    const token = await fixture.requestToken({}, 'unknown.onmicrosoft.com');
    expect(token.json).toMatchObject({ error: 'invalid_request', error_codes: [90002] });

    const appError = await msalError(
      msalApp(fixture, { clientId: '99999999-2222-3333-4444-555555555555' }).acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/.default'],
      }),
    );
    expect(appError.errorCode).toBe('unauthorized_client');
    expect(appError.errorMessage).toContain('AADSTS700016');

    const scopeError = await msalError(
      msalApp(fixture).acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/User.Read.All'],
      }),
    );
    expect(scopeError.errorCode).toBe('invalid_scope');
    expect(scopeError.errorMessage).toContain('AADSTS70011');

    const resource = await fixture.requestToken({ scope: 'https://example.com/.default' });
    expect(resource.json).toMatchObject({ error: 'invalid_resource', error_codes: [500011] });
  });

  it('checks the assertion audience, issuer and time range', async () => {
    const wrongAudience = await fixture.requestToken({
      client_assertion: fixture.assertion({
        audience: 'https://login.microsoftonline.com/x/oauth2/v2.0/token',
      }),
    });
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.json).toMatchObject({ error: 'invalid_client', error_codes: [700023] });
    expect(String(wrongAudience.json['error_description'])).toContain(
      'AADSTS700023: Client assertion audience claim does not match Realm issuer.',
    );
    const wrongIssuer = await fixture.requestToken({
      client_assertion: fixture.assertion({ claims: { iss: 'someone-else' } }),
    });
    expect(wrongIssuer.json['error_codes']).toEqual([700021]);
    const stale = await fixture.requestToken({
      client_assertion: fixture.assertion({
        now: fixture.emulator.clock.nowSeconds() - 3600,
        lifetimeSeconds: 600,
      }),
    });
    expect(stale.json).toMatchObject({ error: 'invalid_client', error_codes: [700024] });
  });

  describe('assertion time range (nbf / exp with 5 minutes of skew)', () => {
    const now = (): number => fixture.emulator.clock.nowSeconds();
    const tokenWith = (claims: Record<string, unknown>) =>
      fixture.requestToken({ client_assertion: fixture.assertion({ claims }) });

    it('accepts an assertion 4 minutes past its exp and rejects one 6 minutes past (700024)', async () => {
      const fourPast = await tokenWith({ nbf: now() - 900, iat: now() - 900, exp: now() - 240 });
      expect(fourPast.status).toBe(200);
      const sixPast = await tokenWith({ nbf: now() - 900, iat: now() - 900, exp: now() - 360 });
      expect(sixPast.status).toBe(401);
      expect(sixPast.json).toMatchObject({ error: 'invalid_client', error_codes: [700024] });
      expect(String(sixPast.json['error_description'])).toMatch(
        /^AADSTS700024: Client assertion is not within its valid time range\. Current time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z, assertion valid from /,
      );
    });

    it('rejects an nbf more than 5 minutes in the future (700024) and tolerates 4 minutes', async () => {
      const early = await tokenWith({ nbf: now() + 240, iat: now() + 240, exp: now() + 840 });
      expect(early.status).toBe(200);
      const future = await tokenWith({ nbf: now() + 360, iat: now(), exp: now() + 960 });
      expect(future.status).toBe(401);
      expect(future.json).toMatchObject({ error: 'invalid_client', error_codes: [700024] });
    });

    it('rejects an assertion without exp (700024) and prints the missing bound as the epoch', async () => {
      const noExp = await tokenWith({ exp: undefined });
      expect(noExp.json).toMatchObject({ error: 'invalid_client', error_codes: [700024] });
      expect(String(noExp.json['error_description'])).toContain(
        'expiry time of assertion 1970-01-01T00:00:00.0000000Z',
      );
      const textExp = await tokenWith({ exp: String(now() + 600) });
      expect(textExp.json).toMatchObject({ error_codes: [700024] });
    });
  });

  it('accepts the tenant domain in the path and exposes discovery + JWKS', async () => {
    const byDomain = await fixture.requestToken(
      {
        client_assertion: fixture.assertion({
          audience: `${fixture.emulator.baseUrl}/${fixture.seeded.domain}/oauth2/v2.0/token`,
        }),
      },
      fixture.seeded.domain,
    );
    expect(byDomain.status).toBe(200);
    const discovery = await fixture.fetch(`/${fixture.seeded.domain}/v2.0/.well-known/openid-configuration`);
    expect(discovery.json).toMatchObject({
      issuer: `${fixture.emulator.baseUrl}/${fixture.tenantId}/v2.0`,
      token_endpoint: `${fixture.emulator.baseUrl}/${fixture.tenantId}/oauth2/v2.0/token`,
      jwks_uri: `${fixture.emulator.baseUrl}/${fixture.tenantId}/discovery/v2.0/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const keys = await fixture.fetch(`/${fixture.tenantId}/discovery/v2.0/keys`);
    expect((keys.json['keys'] as unknown[]).length).toBeGreaterThan(0);
  });

  it('returns 403 Authorization_RequestDenied when the app lacks the permission', async () => {
    fixture.emulator.control.revokePermissions({
      tenant: fixture.tenantId,
      clientId: fixture.clientId,
      permissions: ['User.Read.All'],
    });
    try {
      const result = await fixture.graph('/users');
      expect(result.status).toBe(403);
      expect(result.json).toMatchObject({
        error: {
          code: 'Authorization_RequestDenied',
          message: 'Insufficient privileges to complete the operation.',
        },
      });
      expect(result.headers.get('request-id')).toBeTruthy();
    } finally {
      fixture.emulator.control.grantPermissions({
        tenant: fixture.tenantId,
        clientId: fixture.clientId,
        permissions: ['User.Read.All'],
      });
    }
  });

  it('refuses CAE-capable app tokens issued before a revocation event with a claims challenge (§1.8)', async () => {
    const claims = JSON.stringify({ access_token: { xms_cc: { values: ['cp1'] } } });
    const capable = String((await fixture.requestToken({ claims })).json['access_token']);
    const plain = await fixture.token();
    expect(jose.decodeJwt(capable)['xms_cc']).toEqual(['cp1']);
    expect(jose.decodeJwt(plain)['xms_cc']).toBeUndefined();
    expect((await fixture.graph('/users?$top=1', { token: capable })).status).toBe(200);

    fixture.emulator.control.revokeAppTokens({ tenant: fixture.tenantId, clientId: fixture.clientId });

    const refused = await fixture.graph('/users?$top=1', { token: capable });
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
    const challenge = refused.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="insufficient_claims"');
    const encoded = /claims="([^"]+)"/.exec(challenge)?.[1] ?? '';
    expect(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'))).toMatchObject({
      access_token: { nbf: { essential: true } },
    });
    // Graph sends challenges only to clients that declared cp1; a token issued afterwards is accepted.
    expect((await fixture.graph('/users?$top=1', { token: plain })).status).toBe(200);
    const renewed = String((await fixture.requestToken({ claims })).json['access_token']);
    expect((await fixture.graph('/users?$top=1', { token: renewed })).status).toBe(200);
  });

  it('throttles the token endpoint on demand with 429 + Retry-After', async () => {
    fixture.emulator.control.throttleNext({ count: 1, route: '/oauth2/v2.0/token', retryAfterSeconds: 7 });
    const throttled = await fixture.requestToken();
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect(throttled.json['error']).toBe('temporarily_unavailable');
    expect((await fixture.requestToken()).status).toBe(200);
  });
});
