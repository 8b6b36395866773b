import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { type AppCredentials } from './app-credentials';
import { HttpTransport } from './http-transport.provider';
import { CLOUD_ENDPOINTS } from './microsoft365-clouds';
import { MsalNetworkClient } from './msal-network-client';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';

/**
 * Clients kept per PBX tenant at most, the least recently used dropped first: the active key's and, while a key is
 * rotated, the pending key's, each with and without the certificate chain (see `clientFor`). A change of key, app,
 * directory or cloud heard from another instance drops the resolved token only (tenant-token.service.ts), so
 * without a bound every instance would keep each old client, and its decrypted private key, for the life of the
 * process: a year of key rotations.
 */
const CLIENTS_PER_TENANT = 4;

/**
 * The only place that builds `@azure/msal-node` clients, for app-only tokens and for sign-in alike. One
 * ConfidentialClientApplication per tenant credentials, kept so that MSAL's caches work: tokens are reused until
 * five minutes before expiry and the authority's metadata is loaded once, never per call. The flows themselves
 * (client credentials, authorization code) and their error mapping stay with their providers.
 */
@Injectable()
export class MsalClientProvider {
  private readonly logger = new Logger(MsalClientProvider.name);
  /** PBX tenant → its clients by credentials, least recently used first. */
  private readonly clients = new Map<string, Map<string, ConfidentialClientApplication>>();
  private readonly evictListeners: ((pbxTenantId: string) => void)[] = [];
  private readonly networkClient: MsalNetworkClient;

  constructor(
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
    transport: HttpTransport,
  ) {
    this.networkClient = new MsalNetworkClient(transport);
  }

  /** Entra's authority for a tenant: its cloud's login host, or the configured gateway/emulator. */
  authorityFor(credentials: Pick<AppCredentials, 'cloud' | 'directoryId'>): string {
    const base = this.options.endpoints?.authorityBaseUrl ?? CLOUD_ENDPOINTS[credentials.cloud].loginBaseUrl;
    return `${base.replace(/\/+$/, '')}/${credentials.directoryId}`;
  }

  clientFor(credentials: AppCredentials): ConfidentialClientApplication {
    // The public certificate in the assertion's `x5c` header: what Subject Name + Issuer authentication needs.
    // Opt-in; thumbprint-only assertions are the default and what Entra expects of an uploaded certificate.
    const x5c = this.options.sendCertificateChain ? credentials.certificatePem : undefined;
    const key = [
      credentials.keyPairId,
      credentials.applicationId,
      credentials.directoryId,
      credentials.cloud,
      // Part of the key because callers differ in whether they pass the certificate: whichever flow builds the
      // client first must not decide whether the other one sends the chain.
      x5c ? 'x5c' : '',
    ].join('|');
    let tenantClients = this.clients.get(credentials.pbxTenantId);
    if (!tenantClients) {
      tenantClients = new Map();
      this.clients.set(credentials.pbxTenantId, tenantClients);
    }
    let client = tenantClients.get(key);
    // Re-inserted on every use: a map's order is its least recently used client first.
    if (client) tenantClients.delete(key);
    else client = this.build(credentials, x5c);
    tenantClients.set(key, client);
    for (const old of tenantClients.keys()) {
      if (tenantClients.size <= CLIENTS_PER_TENANT) break;
      tenantClients.delete(old);
    }
    return client;
  }

  /**
   * A client of its own, not kept: for a delegated account (Teams presence's service account), whose token cache
   * is the tenant's stored one, loaded into this client and saved back by the caller. Sharing the tenant's client
   * would put a user's refresh token in the app's in-memory cache, where every flow of the tenant could reach it.
   */
  isolatedClientFor(credentials: AppCredentials): ConfidentialClientApplication {
    return this.build(
      credentials,
      this.options.sendCertificateChain ? credentials.certificatePem : undefined,
    );
  }

  private build(credentials: AppCredentials, x5c: string | undefined): ConfidentialClientApplication {
    const authority = this.authorityFor(credentials);
    const overridden = this.options.endpoints?.authorityBaseUrl !== undefined;
    return new ConfidentialClientApplication({
      auth: {
        clientId: credentials.applicationId,
        authority,
        // A non-Microsoft host (emulator, gateway) must be declared, or MSAL asks Microsoft's instance
        // discovery about it; listing it also satisfies MSAL's issuer check (docs/graph-notes.md §1.5).
        knownAuthorities: overridden ? [new URL(authority).host] : [],
        clientCertificate: {
          thumbprintSha256: credentials.thumbprintSha256,
          privateKey: credentials.privateKeyPem,
          ...(x5c ? { x5c } : {}),
        },
      },
      system: {
        networkClient: this.networkClient,
        loggerOptions: {
          // MSAL's own logs may contain PII and request details; only warnings, never PII.
          logLevel: LogLevel.Warning,
          piiLoggingEnabled: false,
          loggerCallback: (_level, message) => this.logger.debug(message),
        },
      },
    });
  }

  /**
   * Forgets a tenant's clients (and so MSAL's tokens) of both flows after its settings or keys changed, and tells
   * whoever registered with {@link onEvict}, so that nothing derived from the old credentials outlives them.
   */
  evict(pbxTenantId: string): void {
    this.clients.delete(pbxTenantId);
    for (const listener of this.evictListeners) listener(pbxTenantId);
  }

  /**
   * For caches kept above MSAL (the resolved tokens of `TenantTokenService`): they cannot be reached from the
   * settings service, which they depend on, so they are dropped through here.
   */
  onEvict(listener: (pbxTenantId: string) => void): void {
    this.evictListeners.push(listener);
  }
}
