import { Client, TelemetryHandler } from '@microsoft/microsoft-graph-client';
import { Inject, Injectable } from '@nestjs/common';
import { HttpTransport } from './http-transport.provider';
import { CLOUD_ENDPOINTS } from './microsoft365-clouds';
import { ResilienceMiddleware } from './resilience.middleware';
import {
  type ResilienceSettings,
  defaultResilienceSettings,
  GRAPH_RESILIENCE_SETTINGS,
} from './retry.policy';
import { TenantAuthenticationMiddleware } from './tenant-authentication.middleware';
import { TenantTokenService } from './tenant-token.service';
import { TransportHttpHandler } from './transport-http.handler';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { type Microsoft365Cloud } from '../settings/microsoft365-cloud';

export { GRAPH_RESILIENCE_SETTINGS } from './retry.policy';

/**
 * The only place that builds `@microsoft/microsoft-graph-client` clients. Each client authenticates with the
 * tenant's app-only token (renewed once when Graph refuses it, {@link TenantAuthenticationMiddleware}), goes
 * through the module's connection pool (extra CAs, proxy), and retries as {@link ResilienceMiddleware} explains.
 */
@Injectable()
export class GraphClientProvider {
  private readonly clients = new Map<string, Client>();

  constructor(
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
    @Inject(GRAPH_RESILIENCE_SETTINGS) private readonly resilience: ResilienceSettings,
    private readonly transport: HttpTransport,
    private readonly tokens: TenantTokenService,
  ) {}

  graphBaseUrl(cloud: Microsoft365Cloud): string {
    return (this.options.endpoints?.graphBaseUrl ?? CLOUD_ENDPOINTS[cloud].graphBaseUrl).replace(/\/$/, '');
  }

  forTenant(pbxTenantId: string, cloud: Microsoft365Cloud): Client {
    const key = `${pbxTenantId}|${cloud}`;
    let client = this.clients.get(key);
    if (!client) {
      const baseUrl = this.graphBaseUrl(cloud);
      const authentication = new TenantAuthenticationMiddleware(
        pbxTenantId,
        new URL(baseUrl).hostname,
        this.tokens,
      );
      const resilience = new ResilienceMiddleware(this.resilience);
      // Adds a client-request-id to every attempt, which Microsoft support asks for and echoes in errors.
      const telemetry = new TelemetryHandler();
      const http = new TransportHttpHandler(this.transport);
      authentication.setNext(resilience);
      resilience.setNext(telemetry);
      telemetry.setNext(http);
      client = Client.initWithMiddleware({
        baseUrl,
        defaultVersion: 'v1.0',
        middleware: authentication,
        // The SDK's telemetry adds client-request-id only for known Graph hosts; an override (emulator, gateway)
        // must be listed, by host name without port.
        customHosts: new Set([new URL(baseUrl).hostname]),
      });
      this.clients.set(key, client);
    }
    return client;
  }
}

export const graphResilienceSettingsProvider = {
  provide: GRAPH_RESILIENCE_SETTINGS,
  inject: [MICROSOFT365_OPTIONS],
  useFactory: (options: Microsoft365ModuleOptions): ResilienceSettings => {
    const { maxAttempts, retryBudgetPerRun } = options.retries ?? {};
    const wrong = [
      ['maxAttempts', maxAttempts, 1, 20],
      ['retryBudgetPerRun', retryBudgetPerRun, 0, 1_000_000],
    ].filter(
      ([, value, min, max]) =>
        value !== undefined &&
        !(Number.isInteger(value) && Number(value) >= Number(min) && Number(value) <= Number(max)),
    );
    if (wrong.length > 0) {
      // A boot-time mistake of the host's code: said at start-up, never found later in a run.
      throw new Error(
        `Microsoft365Module: ${wrong.map(([name, , min, max]) => `retries.${name} must be an integer from ${min} to ${max}`).join('; ')}`,
      );
    }
    return {
      ...defaultResilienceSettings(),
      ...(maxAttempts !== undefined ? { maxAttempts } : {}),
      ...(retryBudgetPerRun !== undefined ? { retryBudgetPerRun } : {}),
    };
  },
};
