import { type ArgumentsHost } from '@nestjs/common';
import { type HttpResponder } from '../common/http-responder';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { type FailedRequestsLimiter } from '../rate-limits/failed-requests.limiter';
import { SsoError, SsoErrorCode } from './sso-error';
import { SsoErrorFilter } from './sso-error.filter';

function setUp(counting: Promise<void> | undefined) {
  const sent: string[] = [];
  const http = {
    setHeader: jest.fn(),
    html: jest.fn(() => sent.push('html')),
    json: jest.fn(() => sent.push('json')),
    redirect: jest.fn(() => sent.push('redirect')),
    requestMethod: () => 'POST',
    requestPath: () => '/api/microsoft365/sso/callback',
  } as unknown as HttpResponder;
  const failures = { recordFailure: jest.fn(() => counting) } as unknown as FailedRequestsLimiter;
  const filter = new SsoErrorFilter(
    { publicUrl: 'https://pbx.example' } as Microsoft365ModuleOptions,
    http,
    failures,
  );
  const request = { headers: { accept: 'text/html' } };
  const host = {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }),
  } as unknown as ArgumentsHost;
  return { sent, filter, host, failures, request };
}

describe('SsoErrorFilter', () => {
  const refused = new SsoError(SsoErrorCode.InvalidState, 'state unknown');

  it('answers a failed callback only once its failure is counted', async () => {
    let counted!: () => void;
    const { sent, filter, host, failures, request } = setUp(
      new Promise<void>((resolve) => (counted = resolve)),
    );
    filter.catch(refused, host);
    await Promise.resolve();
    expect(failures.recordFailure).toHaveBeenCalledWith(request);
    expect(sent).toEqual([]);
    counted();
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual(['html']);
  });

  it('answers at once where nothing is counted (routes without a failures-only limit)', () => {
    const { sent, filter, host } = setUp(undefined);
    filter.catch(refused, host);
    expect(sent).toEqual(['html']);
  });
});
