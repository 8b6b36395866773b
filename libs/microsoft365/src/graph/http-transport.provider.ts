import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createSecureContext, rootCertificates } from 'node:tls';
import { Agent, type Dispatcher, ProxyAgent, interceptors, type RequestInit, type Response } from 'undici';
import { bufferedFetch } from './buffered-fetch';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { GraphConcurrency } from './graph-concurrency.service';

export { type Response as TransportResponse } from 'undici';

/**
 * Connections per Microsoft host, in units of one tenant's limiter ceiling. A request in flight holds a connection
 * (HTTP/1.1), and the pool is every tenant's: sized to one ceiling, one tenant's photo or contact fan-out held all of
 * it and every other request (another tenant's sync, a sign-in's code redemption) queued behind batches that take
 * a second each; the emulator's photo bench was capped by it (10k photo checks: 5.9 s at 64, 3.5 s at 256). Four
 * ceilings: one tenant's three fan-outs (batches, contacts, calendars) and its single requests fit at once.
 */
const CONNECTIONS_PER_CEILING = 4;

/** Redirects followed at most, as `fetch` does (https://fetch.spec.whatwg.org/#http-redirect-fetch). */
const MAX_REDIRECTIONS = 20;

/**
 * The one HTTP connection pool for all Microsoft traffic (Entra and Graph). It trusts the system roots plus the
 * extra CAs given to the module (the emulator's, or a TLS-inspecting corporate proxy's) and goes through the
 * configured HTTP proxy, if any.
 *
 * Requests go through undici's own `request` (buffered-fetch.ts), never Node's global `fetch`: a dispatcher may only
 * be handed to the `fetch` of the same undici major, and each Node version bundles another (Node 26's global `fetch`
 * refuses an undici 6 `Agent`). One package for both keeps the transport the same on every Node the module supports
 * (see docs/node-versions.md).
 */
@Injectable()
export class HttpTransport implements OnApplicationShutdown {
  private readonly logger = new Logger(HttpTransport.name);
  /**
   * The pool itself (closed on shutdown), and the pool following redirects as `fetch` does (buffered-fetch.ts).
   */
  private readonly dispatchers: { pool: Dispatcher; withRedirects: Dispatcher };

  /** Connections kept per Microsoft host (Entra's, Graph's). */
  readonly connections: number;

  constructor(
    @Inject(MICROSOFT365_OPTIONS) options: Microsoft365ModuleOptions,
    concurrency: GraphConcurrency,
  ) {
    const extraCas = options.trustedCaPem ?? [];
    // One secure context for every connection: handed `ca`, Node builds a new context for each TLS connection and
    // parses the whole bundle again (the ~140 system roots plus the extra CAs), CPU that grows with the pool's churn.
    const tls =
      extraCas.length > 0
        ? { secureContext: createSecureContext({ ca: [...rootCertificates, ...extraCas] }) }
        : {};
    this.connections = CONNECTIONS_PER_CEILING * concurrency.ceiling;
    const pool = options.httpProxy
      ? new ProxyAgent({ uri: options.httpProxy, requestTls: tls, connections: this.connections })
      : new Agent({ connect: tls, connections: this.connections, keepAliveTimeout: 30_000 });
    this.dispatchers = {
      pool,
      withRedirects: pool.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTIONS })),
    };
  }

  /** `fetch` on this pool (buffered-fetch.ts: the same `Response`, less CPU per request). */
  readonly fetch = (url: string | URL, init: RequestInit = {}): Promise<Response> =>
    bufferedFetch(this.dispatchers, url, init);

  /**
   * Closed last: the job engine drains the running jobs before (`beforeApplicationShutdown`), and they still need
   * Microsoft. Closing an already destroyed pool is not an error worth failing the shutdown for.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.dispatchers.pool
      .close()
      .catch((error: unknown) =>
        this.logger.warn(
          `Connection pool not closed cleanly: ${error instanceof Error ? error.message : 'unknown'}`,
        ),
      );
  }
}
