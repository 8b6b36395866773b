import { AuthError } from '@azure/msal-node';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { AppTokenProvider } from './app-token.provider';
import { MsalClientProvider } from './msal-client.provider';
import { type HttpTransport } from './http-transport.provider';
import { defaultResilienceSettings } from './resilience.middleware';
import { generateKeyPair } from '../keys/certificate-generator';
import { Microsoft365Cloud } from '../settings/microsoft365-cloud';
import { decodeProtectedHeader } from 'jose';

describe(AppTokenProvider.toException.name, () => {
  const endpointsError = new AuthError(
    'endpoints_resolution_error',
    'corr-1',
    'Endpoints cannot be resolved',
  );

  it.each([
    [
      'a discovery answered AADSTS90002 (no such directory)',
      endpointsError,
      {
        source: 'token' as const,
        status: 400,
        code: 'invalid_request',
        message: "AADSTS90002: Tenant '0000' not found.",
        requestId: 'req-1',
      },
      Microsoft365ErrorCode.DirectoryNotFound,
    ],
    [
      'a discovery that could not connect',
      endpointsError,
      { source: 'token' as const, networkCode: 'ECONNREFUSED' },
      Microsoft365ErrorCode.Unavailable,
    ],
    [
      'a transport failure raised by our network client',
      new AuthError('network_error', 'corr-2', 'Transport failure: ENOTFOUND'),
      undefined,
      Microsoft365ErrorCode.Unavailable,
    ],
    [
      'an endpoints error with no recorded answer',
      endpointsError,
      undefined,
      Microsoft365ErrorCode.AuthenticationFailed,
    ],
  ])('classifies %s', (_case, error, failure, expected) => {
    expect(AppTokenProvider.toException(error, failure).code).toBe(expected);
  });

  it('keeps the request id of the discovery answer', () => {
    const exception = AppTokenProvider.toException(endpointsError, {
      source: 'token',
      status: 400,
      code: 'invalid_request',
      message: 'AADSTS90002: Tenant not found.',
      requestId: 'req-42',
    });
    expect(exception.microsoft).toMatchObject({ aadsts: 90002, requestId: 'req-42' });
  });
});

describe('AppTokenProvider.toException for a throttled Entra', () => {
  it('keeps the Retry-After of the recorded answer, which MSAL drops', () => {
    const exception = AppTokenProvider.toException(new AuthError('server_error', 'corr-3', 'throttled'), {
      source: 'token',
      status: 429,
      code: 'temporarily_unavailable',
      message: 'AADSTS50196: loop detected',
      retryAfter: '3',
    });
    expect(exception.code).toBe(Microsoft365ErrorCode.Throttled);
    expect(exception.microsoft?.retryAfterSeconds).toBe(3);
  });
});

describe('AppTokenProvider client assertion', () => {
  const directoryId = '11111111-2222-3333-4444-555555555555';
  const authorityBase = 'https://login.gateway.test';

  /** Entra's discovery and token endpoints, answering from memory and keeping every token request body. */
  function fakeEntra() {
    const tokenRequests: URLSearchParams[] = [];
    const json = (body: unknown) =>
      new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    const fetch = (url: string | URL, init: RequestInit = {}): Promise<Response> => {
      const href = new URL(String(url)).pathname;
      if (href.endsWith('/.well-known/openid-configuration')) {
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
      if (href.endsWith('/oauth2/v2.0/token')) {
        tokenRequests.push(new URLSearchParams(typeof init.body === 'string' ? init.body : ''));
        const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
        const accessToken = `${part({ alg: 'none' })}.${part({ roles: ['User.Read.All'] })}.sig`;
        return Promise.resolve(json({ token_type: 'Bearer', expires_in: 3599, access_token: accessToken }));
      }
      return Promise.resolve(new Response('{}', { status: 404 }));
    };
    return { transport: { fetch } as unknown as HttpTransport, tokenRequests };
  }

  async function assertionHeader(sendCertificateChain: boolean) {
    const pair = await generateKeyPair({
      commonName: 'PBX tenant t1',
      now: new Date(),
      validityDays: 30,
      modulusLength: 2048,
    });
    const entra = fakeEntra();
    const provider = new AppTokenProvider(
      new MsalClientProvider(
        {
          environment: 'test',
          publicUrl: 'https://pbx.test',
          endpoints: { authorityBaseUrl: authorityBase },
          sendCertificateChain,
        },
        entra.transport,
      ),
      { ...defaultResilienceSettings(), maxAttempts: 1 },
    );
    const token = await provider.acquire({
      pbxTenantId: 't1',
      cloud: Microsoft365Cloud.Global,
      applicationId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      directoryId,
      keyPairId: 'k1',
      thumbprintSha256: pair.details.thumbprintSha256,
      privateKeyPem: pair.privateKeyPem,
      certificatePem: pair.certificatePem,
    });
    expect(token.roles).toEqual(['User.Read.All']);
    expect(entra.tokenRequests).toHaveLength(1);
    const assertion = entra.tokenRequests[0]?.get('client_assertion') ?? '';
    return { header: decodeProtectedHeader(assertion), pair };
  }

  it('identifies the certificate by its SHA-256 thumbprint and sends no chain by default', async () => {
    const { header, pair } = await assertionHeader(false);
    expect(header['x5t#S256']).toBe(Buffer.from(pair.details.thumbprintSha256, 'hex').toString('base64url'));
    expect(header.x5c).toBeUndefined();
  });

  it('sends the certificate as x5c when sendCertificateChain is on (Subject Name + Issuer)', async () => {
    const { header, pair } = await assertionHeader(true);
    const der = Buffer.from(
      pair.certificatePem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''),
      'base64',
    ).toString('base64');
    expect(header.x5c).toEqual([der]);
  });
});
