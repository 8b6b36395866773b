import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { fetch, type Dispatcher } from 'undici';

/**
 * MSAL Node network module over undici fetch with a custom dispatcher, so MSAL trusts the emulator's CA: MSAL Node
 * has no option for extra CAs, a custom `networkClient` is its way (docs/graph-notes.md §1.5).
 */
export class UndiciNetworkClient implements INetworkModule {
  constructor(private readonly dispatcher: Dispatcher) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    const response = await fetch(url, {
      method,
      headers: options?.headers,
      body: method === 'POST' ? options?.body : undefined,
      dispatcher: this.dispatcher,
    });
    const text = await response.text();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Non-JSON bodies (HTML error pages) are passed through as text.
    }
    return { headers, body: body as T, status: response.status };
  }
}
