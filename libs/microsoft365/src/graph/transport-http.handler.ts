import { type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { type RequestInit } from 'undici';
import { type HttpTransport } from './http-transport.provider';

/**
 * The last middleware of every Graph client: sends the request through the module's {@link HttpTransport}
 * instead of the SDK's `HTTPMessageHandler`, which calls Node's global `fetch` (see the transport for why).
 */
export class TransportHttpHandler implements Middleware {
  constructor(private readonly transport: HttpTransport) {}

  async execute(context: Context): Promise<void> {
    if (typeof context.request !== 'string') {
      // The SDK builds every request of ours from a URL string; a Request object would carry its own body stream.
      throw new TypeError('TransportHttpHandler sends requests given as URL strings only');
    }
    const response = await this.transport.fetch(context.request, context.options as RequestInit);
    // The SDK reads status, headers and the body through the fetch Response interface, which undici implements.
    context.response = response;
  }
}
