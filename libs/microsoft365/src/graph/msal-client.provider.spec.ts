import { type HttpTransport } from './http-transport.provider';
import { type AppCredentials } from './app-credentials';
import { MsalClientProvider } from './msal-client.provider';
import { generateKeyPair } from '../keys/certificate-generator';
import { Microsoft365Cloud } from '../settings/microsoft365-cloud';
import { decodeProtectedHeader } from 'jose';

const directoryId = '11111111-2222-3333-4444-555555555555';
const authorityBase = 'https://login.gateway.test';

/** Entra behind a gateway, answering from memory; keeps every URL asked for and every token request body. */
function fakeEntra() {
  const urls: string[] = [];
  const tokenRequests: URLSearchParams[] = [];
  const json = (body: unknown) =>
    new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  const fetch = (url: string | URL, init: RequestInit = {}): Promise<Response> => {
    urls.push(String(url));
    const path = new URL(String(url)).pathname;
    if (path.endsWith('/.well-known/openid-configuration')) {
      return Promise.resolve(
        json({
          issuer: `${authorityBase}/${directoryId}/v2.0`,
          authorization_endpoint: `${authorityBase}/${directoryId}/oauth2/v2.0/authorize`,
          token_endpoint: `${authorityBase}/${directoryId}/oauth2/v2.0/token`,
          end_session_endpoint: `${authorityBase}/${directoryId}/oauth2/v2.0/logout`,
          jwks_uri: `${authorityBase}/${directoryId}/discovery/v2.0/keys`,
        }),
      );
    }
    if (path.endsWith('/oauth2/v2.0/token')) {
      tokenRequests.push(new URLSearchParams(typeof init.body === 'string' ? init.body : ''));
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const accessToken = `${part({ alg: 'none' })}.${part({ roles: [] })}.sig`;
      return Promise.resolve(json({ token_type: 'Bearer', expires_in: 3599, access_token: accessToken }));
    }
    return Promise.resolve(new Response('{}', { status: 404 }));
  };
  return { transport: { fetch } as unknown as HttpTransport, urls, tokenRequests };
}

function provider(transport: HttpTransport, sendCertificateChain = false) {
  return new MsalClientProvider(
    {
      environment: 'test',
      publicUrl: 'https://pbx.test',
      endpoints: { authorityBaseUrl: `${authorityBase}/` },
      sendCertificateChain,
    },
    transport,
  );
}

describe(MsalClientProvider.name, () => {
  const credentials: AppCredentials = {
    pbxTenantId: 't1',
    cloud: Microsoft365Cloud.Global,
    applicationId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    directoryId,
    keyPairId: 'k1',
    thumbprintSha256: 'ab'.repeat(32),
    privateKeyPem: 'not used until a token is requested',
  };

  it('keeps one client per tenant credentials, and a new one when the key, app, directory or cloud changes', () => {
    const msal = provider(fakeEntra().transport);
    const client = msal.clientFor(credentials);
    expect(msal.clientFor({ ...credentials })).toBe(client);
    for (const change of [
      { keyPairId: 'k2' },
      { applicationId: 'ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee' },
      { directoryId: '99999999-2222-3333-4444-555555555555' },
      { cloud: Microsoft365Cloud.UsGov },
    ]) {
      expect(msal.clientFor({ ...credentials, ...change })).not.toBe(client);
    }
  });

  it('keeps four clients per tenant at most, dropping the least recently used (old keys do not pile up)', () => {
    const msal = provider(fakeEntra().transport);
    const withKey = (keyPairId: string, pbxTenantId = 't1') => ({ ...credentials, keyPairId, pbxTenantId });
    const other = msal.clientFor(withKey('k1', 't2'));
    const first = msal.clientFor(withKey('k1'));
    const second = msal.clientFor(withKey('k2'));
    msal.clientFor(withKey('k3'));
    msal.clientFor(withKey('k4'));
    // k1 used again: k2 is now the least recently used of t1's four.
    expect(msal.clientFor(withKey('k1'))).toBe(first);
    msal.clientFor(withKey('k5'));
    expect(msal.clientFor(withKey('k1'))).toBe(first);
    expect(msal.clientFor(withKey('k2'))).not.toBe(second);
    // Another tenant's clients are not counted against t1's, nor dropped for them.
    expect(msal.clientFor(withKey('k1', 't2'))).toBe(other);
  });

  it("evicts only the named tenant's clients and tells the registered caches", () => {
    const msal = provider(fakeEntra().transport);
    const evicted: string[] = [];
    msal.onEvict((pbxTenantId) => evicted.push(pbxTenantId));
    const t1 = msal.clientFor(credentials);
    const t10 = msal.clientFor({ ...credentials, pbxTenantId: 't10' });

    msal.evict('t1');

    expect(evicted).toEqual(['t1']);
    expect(msal.clientFor(credentials)).not.toBe(t1);
    expect(msal.clientFor({ ...credentials, pbxTenantId: 't10' })).toBe(t10);
  });

  it('talks to an overridden authority directly, without asking Microsoft about the host', async () => {
    const pair = await generateKeyPair({
      commonName: 'PBX tenant t1',
      now: new Date(),
      validityDays: 30,
      modulusLength: 2048,
    });
    const entra = fakeEntra();
    const msal = provider(entra.transport);
    expect(msal.authorityFor(credentials)).toBe(`${authorityBase}/${directoryId}`);

    await msal
      .clientFor({
        ...credentials,
        thumbprintSha256: pair.details.thumbprintSha256,
        privateKeyPem: pair.privateKeyPem,
      })
      .acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });

    expect(entra.tokenRequests).toHaveLength(1);
    expect(entra.urls.length).toBeGreaterThan(0);
    expect(entra.urls.every((url) => url.startsWith(`${authorityBase}/`))).toBe(true);
  });

  it('sends the x5c chain to whoever passes the certificate, whichever flow built its client first', async () => {
    const pair = await generateKeyPair({
      commonName: 'PBX tenant t1',
      now: new Date(),
      validityDays: 30,
      modulusLength: 2048,
    });
    const entra = fakeEntra();
    const msal = provider(entra.transport, true);
    const base = {
      ...credentials,
      thumbprintSha256: pair.details.thumbprintSha256,
      privateKeyPem: pair.privateKeyPem,
    };
    const request = { scopes: ['https://graph.microsoft.com/.default'], skipCache: true };

    await msal.clientFor(base).acquireTokenByClientCredential(request);
    await msal
      .clientFor({ ...base, certificatePem: pair.certificatePem })
      .acquireTokenByClientCredential(request);

    const headers = entra.tokenRequests.map((body) =>
      decodeProtectedHeader(body.get('client_assertion') ?? ''),
    );
    expect(headers).toHaveLength(2);
    expect(headers[0]?.x5c).toBeUndefined();
    expect(headers[1]?.x5c).toHaveLength(1);
  });
});
