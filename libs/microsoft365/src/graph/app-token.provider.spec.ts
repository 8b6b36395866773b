import { AuthError } from '@azure/msal-node';
import { Microsoft365ErrorCode } from '@pbx/microsoft365/common/microsoft365-error-code';
import { AppTokenProvider } from '@pbx/microsoft365/graph/app-token.provider';

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
