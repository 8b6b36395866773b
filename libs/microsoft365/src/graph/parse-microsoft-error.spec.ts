import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import {
  type MicrosoftFailure,
  parseAadsts,
  parseRetryAfter,
  toMicrosoft365Exception,
} from './parse-microsoft-error';

const token = (message: string, code = 'invalid_client', status = 401): MicrosoftFailure => ({
  source: 'token',
  status,
  code,
  message,
});
const graph = (status: number, code: string, message = ''): MicrosoftFailure => ({
  source: 'graph',
  status,
  code,
  message,
});

describe('toMicrosoft365Exception', () => {
  it.each<[string, MicrosoftFailure, Microsoft365ErrorCode, RegExp]>([
    [
      'unknown tenant',
      token("AADSTS90002: Tenant 'x' not found.", 'invalid_request', 400),
      Microsoft365ErrorCode.DirectoryNotFound,
      /Directory \(tenant\) ID/,
    ],
    [
      'unknown app',
      token("AADSTS700016: Application with identifier 'x' was not found", 'unauthorized_client', 400),
      Microsoft365ErrorCode.ApplicationNotFound,
      /Application \(client\) ID/,
    ],
    [
      'key not found',
      token(
        'AADSTS700027: Client assertion contains an invalid signature. [Reason - The key was not found.]',
      ),
      Microsoft365ErrorCode.CertificateNotRegistered,
      /Upload certificate/,
    ],
    [
      'key expired',
      token(
        'AADSTS700027: Client assertion contains an invalid signature. [Reason - The key used is expired.]',
      ),
      Microsoft365ErrorCode.CertificateExpired,
      /Generate a new key pair/,
    ],
    [
      'outside validity',
      token('AADSTS1000502: Certificate is outside validity window'),
      Microsoft365ErrorCode.CertificateExpired,
      /Generate a new key pair/,
    ],
    [
      'assertion time',
      token('AADSTS700024: Client assertion is not within its valid time range.'),
      Microsoft365ErrorCode.AuthenticationFailed,
      /clock/,
    ],
    [
      'bad scope',
      token('AADSTS70011: The provided value for scope is not valid', 'invalid_scope', 400),
      Microsoft365ErrorCode.AuthenticationFailed,
      /cloud setting/,
    ],
    [
      'app disabled',
      token('AADSTS7000112: Application is disabled.'),
      Microsoft365ErrorCode.ApplicationNotFound,
      /Enable the app/,
    ],
    [
      'other AADSTS',
      token('AADSTS9999999: something'),
      Microsoft365ErrorCode.AuthenticationFailed,
      /application id/,
    ],
    [
      'token throttled',
      { source: 'token', status: 429, retryAfter: '7' },
      Microsoft365ErrorCode.Throttled,
      /waits/,
    ],
    ['token 503', { source: 'token', status: 503 }, Microsoft365ErrorCode.Unavailable, /temporary/],
    [
      'missing permission',
      graph(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),
      Microsoft365ErrorCode.PermissionMissing,
      /Grant admin consent/,
    ],
    [
      'access policy',
      graph(
        403,
        'ErrorAccessDenied',
        'Access to OData is disabled: blocked by tenant configured AppOnly AccessPolicy settings. ApplicationAccessPolicy',
      ),
      Microsoft365ErrorCode.PermissionMissing,
      /access policy/,
    ],
    [
      'access policy, as Exchange words it',
      graph(403, 'ErrorAccessDenied', 'Access to OData is disabled.'),
      Microsoft365ErrorCode.PermissionMissing,
      /access policy/,
    ],
    [
      'no mailbox',
      graph(
        404,
        'MailboxNotEnabledForRESTAPI',
        'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
      ),
      Microsoft365ErrorCode.MailboxNotEnabled,
      /Exchange Online licence/,
    ],
    [
      'delta 410',
      graph(410, 'SyncStateNotFound'),
      Microsoft365ErrorCode.DeltaExpired,
      /full synchronisation/,
    ],
    [
      'delta resync 400',
      graph(400, 'resyncRequired'),
      Microsoft365ErrorCode.DeltaExpired,
      /full synchronisation/,
    ],
    ['not found', graph(404, 'Request_ResourceNotFound'), Microsoft365ErrorCode.GraphNotFound, /deleted/],
    [
      'bad token',
      graph(401, 'InvalidAuthenticationToken'),
      Microsoft365ErrorCode.AuthenticationFailed,
      /Conditional Access.*disabled or deleted.*cloud setting/s,
    ],
    ['throttled', graph(429, 'TooManyRequests'), Microsoft365ErrorCode.Throttled, /waits/],
    ['server error', graph(503, 'serviceNotAvailable'), Microsoft365ErrorCode.Unavailable, /temporary/],
    ['gateway timeout', graph(504, 'UnknownError'), Microsoft365ErrorCode.Unavailable, /temporary/],
    [
      'bad request',
      graph(400, 'Request_BadRequest', 'Invalid page size'),
      Microsoft365ErrorCode.GraphRequestFailed,
      /request id/,
    ],
    [
      'socket reset',
      { source: 'graph', networkCode: 'ECONNRESET' },
      Microsoft365ErrorCode.Unavailable,
      /firewall/,
    ],
    [
      'timeout',
      { source: 'token', networkCode: 'TIMEOUT', timedOut: true },
      Microsoft365ErrorCode.Unavailable,
      /firewall/,
    ],
  ])('%s', (_name, failure, code, action) => {
    const exception = toMicrosoft365Exception(failure);
    expect(exception.code).toBe(code);
    expect(exception.action).toMatch(action);
  });

  it('should keep what Microsoft said, for the admin and the logs', () => {
    const exception = toMicrosoft365Exception({
      source: 'graph',
      status: 429,
      code: 'TooManyRequests',
      requestId: 'req-1',
      clientRequestId: 'client-1',
      retryAfter: '12',
    });
    expect(exception.microsoft).toEqual({
      status: 429,
      code: 'TooManyRequests',
      requestId: 'req-1',
      clientRequestId: 'client-1',
      retryAfterSeconds: 12,
    });
  });

  it('should record the AADSTS number', () => {
    expect(toMicrosoft365Exception(token('AADSTS700027: x')).microsoft?.aadsts).toBe(700027);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-11-22T10:00:00Z');
  it.each<[string | null | undefined, number | undefined]>([
    ['5', 5],
    [' 30 ', 30],
    ['Sun, 22 Nov 2026 10:00:10 GMT', 10],
    ['Sun, 22 Nov 2026 09:00:00 GMT', 0],
    ['soon', undefined],
    [null, undefined],
    [undefined, undefined],
  ])('%j → %j', (value, seconds) => {
    expect(parseRetryAfter(value, now)).toBe(seconds);
  });
});

describe('parseAadsts', () => {
  it('should find the code in an Entra message', () => {
    expect(parseAadsts('invalid_client: AADSTS7000218: The request body must contain client_assertion')).toBe(
      7000218,
    );
    expect(parseAadsts('no code here')).toBeUndefined();
  });
});
