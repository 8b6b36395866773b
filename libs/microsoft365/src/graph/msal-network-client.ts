import {
  AuthError,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { AsyncLocalStorage } from 'node:async_hooks';
import { type HttpTransport, type TransportResponse } from './http-transport.provider';
import { type MicrosoftFailure } from './parse-microsoft-error';

/**
 * The last failed answer seen during one token acquisition. MSAL swallows failures of the authority's OpenID
 * discovery and throws a bare `endpoints_resolution_error`, dropping the AADSTS code that says why (90002: no
 * such directory); the token provider reads it back from here.
 */
export const msalCallContext = new AsyncLocalStorage<{ lastFailure?: MicrosoftFailure }>();

/** Entra answers in well under a second; a token request still hanging after this is treated as a failure. */
const TOKEN_REQUEST_TIMEOUT_MS = 15_000;

/**
 * MSAL's transport, routed through the module's connection pool so that extra CAs and the proxy apply to Entra
 * too. Transport failures are raised as MSAL `AuthError`s carrying the socket error code, because MSAL replaces
 * any other error with a bare `network_error` and the admin would lose the reason.
 */
export class MsalNetworkClient implements INetworkModule {
  constructor(private readonly transport: HttpTransport) {}

  sendGetRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options: NetworkRequestOptions | undefined,
    timeout = TOKEN_REQUEST_TIMEOUT_MS,
  ): Promise<NetworkResponse<T>> {
    let response: TransportResponse;
    try {
      response = await this.transport.fetch(url, {
        method,
        headers: options?.headers,
        body: method === 'POST' ? options?.body : undefined,
        signal: AbortSignal.timeout(timeout),
      });
    } catch (error) {
      const { code, timedOut } = describeTransportError(error);
      remember({ source: 'token', networkCode: code, timedOut });
      // MSAL 7's AuthError takes (code, correlationId, message); the correlation id is MSAL's to fill in.
      throw new AuthError(timedOut ? 'request_timeout' : 'network_error', '', `Transport failure: ${code}`);
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => (headers[key] = value));
    const text = await response.text();
    let body: unknown = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      // expected: Entra's gateways answer some failures with HTML; the status is what is reported.
      body = {
        error: 'invalid_response',
        error_description: `Non-JSON answer with status ${response.status}`,
      };
    }
    if (response.status >= 400) {
      const error = body as { error?: unknown; error_description?: unknown };
      remember({
        source: 'token',
        status: response.status,
        code: typeof error.error === 'string' ? error.error : undefined,
        message: typeof error.error_description === 'string' ? error.error_description : undefined,
        requestId: headers['x-ms-request-id'],
        retryAfter: headers['retry-after'] ?? null,
      });
    }
    return { headers, body: body as T, status: response.status };
  }
}

function remember(failure: MicrosoftFailure): void {
  const context = msalCallContext.getStore();
  if (context) context.lastFailure = failure;
}

export function describeTransportError(error: unknown): { code: string; timedOut: boolean } {
  // Read structurally, not with `instanceof Error`: fetch's abort/timeout errors are DOMExceptions, and errors
  // from another realm (undici's own, or a test sandbox's) fail `instanceof` although they are errors.
  const { name, cause } =
    typeof error === 'object' && error !== null ? (error as { name?: unknown; cause?: unknown }) : {};
  if (name === 'TimeoutError' || name === 'AbortError') return { code: 'TIMEOUT', timedOut: true };
  const causeCode =
    typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  const code = typeof causeCode === 'string' ? causeCode : typeof name === 'string' ? name : 'UNKNOWN';
  return { code, timedOut: code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' };
}
