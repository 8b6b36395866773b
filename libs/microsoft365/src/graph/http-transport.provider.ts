import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createSecureContext, rootCertificates } from 'node:tls';
import { Agent, type Dispatcher, ProxyAgent, fetch, type RequestInit, type Response } from 'undici';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';

export { type Response as TransportResponse } from 'undici';

/**
 * The one HTTP connection pool for all Microsoft traffic (Entra and Graph). It trusts the system roots plus the
 * extra CAs given to the module (the emulator's, or a TLS-inspecting corporate proxy's) and goes through the
 * configured HTTP proxy, if any.
 *
 * Requests go through undici's own `fetch`, never Node's global one: a dispatcher may only be handed to the
 * `fetch` of the same undici major, and each Node version bundles another (Node 26's global `fetch` refuses an
 * undici 6 `Agent`). One package for both keeps the transport the same on every Node the module supports
 * (see docs/node-versions.md).
 */
@Injectable()
export class HttpTransport implements OnApplicationShutdown {
  private readonly logger = new Logger(HttpTransport.name);
  readonly dispatcher: Dispatcher;

  constructor(@Inject(MICROSOFT365_OPTIONS) options: Microsoft365ModuleOptions) {
    const extraCas = options.trustedCaPem ?? [];
    // One secure context for every connection: handed `ca`, Node builds a new context for each TLS connection and
    // parses the whole bundle again (the ~140 system roots plus the extra CAs), CPU that grows with the pool's churn.
    const tls =
      extraCas.length > 0
        ? { secureContext: createSecureContext({ ca: [...rootCertificates, ...extraCas] }) }
        : {};
    this.dispatcher = options.httpProxy
      ? new ProxyAgent({ uri: options.httpProxy, requestTls: tls, connections: 64 })
      : new Agent({ connect: tls, connections: 64, keepAliveTimeout: 30_000 });
  }

  /** `fetch` bound to this pool. */
  readonly fetch = (url: string | URL, init: RequestInit = {}): Promise<Response> =>
    fetch(url, { ...init, dispatcher: this.dispatcher });

  /**
   * Closed last: the job engine drains the running jobs before (`beforeApplicationShutdown`), and they still need
   * Microsoft. Closing an already destroyed pool is not an error worth failing the shutdown for.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.dispatcher
      .close()
      .catch((error: unknown) =>
        this.logger.warn(
          `Connection pool not closed cleanly: ${error instanceof Error ? error.message : 'unknown'}`,
        ),
      );
  }
}
