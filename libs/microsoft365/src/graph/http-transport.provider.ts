import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { MICROSOFT365_OPTIONS } from '@pbx/microsoft365/microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '@pbx/microsoft365/microsoft365-module-options';
import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher, ProxyAgent } from 'undici';

/**
 * The one HTTP connection pool for all Microsoft traffic (Entra and Graph). It trusts the system roots plus the
 * extra CAs given to the module (the emulator's, or a TLS-inspecting corporate proxy's) and goes through the
 * configured HTTP proxy, if any.
 */
@Injectable()
export class HttpTransport implements OnModuleDestroy {
  readonly dispatcher: Dispatcher;

  constructor(@Inject(MICROSOFT365_OPTIONS) options: Microsoft365ModuleOptions) {
    const extraCas = options.trustedCaPem ?? [];
    const tls = extraCas.length > 0 ? { ca: [...rootCertificates, ...extraCas] } : {};
    this.dispatcher = options.httpProxy
      ? new ProxyAgent({ uri: options.httpProxy, requestTls: tls, connections: 64 })
      : new Agent({ connect: tls, connections: 64, keepAliveTimeout: 30_000 });
  }

  /** `fetch` bound to this pool. */
  readonly fetch = (url: string | URL, init: RequestInit = {}): Promise<Response> =>
    fetch(url, { ...init, dispatcher: this.dispatcher });

  async onModuleDestroy(): Promise<void> {
    await this.dispatcher.close();
  }
}
