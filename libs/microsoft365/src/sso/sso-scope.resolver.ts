import { Inject, Injectable } from '@nestjs/common';
import { isPbxId } from '../common/pbx-id';
import { type AppCredentials } from '../graph/app-credentials';
import { PBX_TENANTS, type PbxTenantsPort } from '../ports/pbx-tenants.port';
import { SYSTEM_SCOPE, type TenantSettingsEntity } from '../settings/tenant-settings.entity';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { SsoConfigurationCache, type SsoTenantConfiguration } from './sso-configuration.cache';
import { SsoError, SsoErrorCode } from './sso-error';
import { type SsoSettingsEntity } from './sso-settings.entity';

/** The app credentials and sign-in rules of a scope whose single sign-on is on and configured. */
export interface SsoConfiguration {
  credentials: AppCredentials;
  rules: SsoSettingsEntity;
}

/**
 * Which scope a sign-in is for and what that scope's configuration allows: the tenant a login page names, whether
 * its single sign-on is on, its credentials (the active key pair, decrypted once per cached configuration) and the
 * redirect URI of the origin the browser came through. Read from this instance's configuration cache: no statement
 * while it holds the scope (sso-configuration.cache.ts).
 */
@Injectable()
export class SsoScopeResolver {
  constructor(
    private readonly tenantSettings: TenantSettingsService,
    private readonly configurations: SsoConfigurationCache,
    @Inject(PBX_TENANTS) private readonly tenants: PbxTenantsPort,
  ) {}

  /** The scope a login page names: a tenant id, a tenant's SIP domain, or `system`. */
  async resolveScope(request: { tenant?: string; sipDomain?: string; scope?: string }): Promise<string> {
    if (request.scope === SYSTEM_SCOPE && !request.tenant && !request.sipDomain) return SYSTEM_SCOPE;
    const tenant = request.tenant
      ? isPbxId(request.tenant)
        ? await this.tenants.findById(request.tenant)
        : null
      : request.sipDomain
        ? await this.tenants.findBySipDomain(request.sipDomain.trim().toLowerCase())
        : null;
    if (!tenant) throw new SsoError(SsoErrorCode.UnknownTenant, 'login for an unknown tenant');
    return tenant.id;
  }

  /**
   * The redirect URI of the origin the browser came through: the PBX's public URL, or the tenant's SBC. Any other
   * origin gets the public URL's: behind a proxy that passes its own `Host` (nginx's default) the origin seen here
   * is not the one the browser sees, and the public URL is then the right one. An SBC the tenant has not set is
   * therefore never used as a redirect URI.
   */
  callbackUri(settings: Pick<TenantSettingsEntity, 'sbcUrl'> | null, origin: string | undefined): string {
    const uris = this.tenantSettings.redirectUris(settings);
    const matching = origin ? uris.find((uri) => uri.startsWith(`${origin}/`)) : undefined;
    if (matching) return matching;
    return uris[0] as string;
  }

  /**
   * The scope's configuration and rules, if single sign-on is on and configured for it; nothing secret is read. From
   * this instance's cache: no statement while it holds the scope (sso-configuration.cache.ts).
   */
  async enabledRules(
    scope: string,
  ): Promise<{ configuration: SsoTenantConfiguration; rules: SsoSettingsEntity }> {
    const configuration = await this.configurations.get(scope);
    const { settings } = configuration;
    if (
      !settings?.applicationId ||
      !settings.directoryId ||
      !settings.enabled ||
      !settings.features.singleSignOn
    ) {
      throw new SsoError(SsoErrorCode.NotConfigured, `single sign-on is off or incomplete for ${scope}`);
    }
    return { configuration, rules: configuration.rules };
  }

  /** The app credentials of an enabled scope: its active key pair, decrypted (once per cached configuration). */
  async credentials(configuration: SsoTenantConfiguration): Promise<SsoConfiguration> {
    const { scope, settings, activeKeyPair: active, rules } = configuration;
    const privateKeyPem = configuration.privateKeyPem();
    if (!settings?.applicationId || !settings.directoryId || !active || !privateKeyPem) {
      throw new SsoError(SsoErrorCode.NotConfigured, `no active key pair for ${scope}`);
    }
    return {
      credentials: {
        pbxTenantId: scope,
        cloud: settings.cloud,
        applicationId: settings.applicationId,
        directoryId: settings.directoryId,
        keyPairId: active.id,
        thumbprintSha256: active.thumbprintSha256,
        privateKeyPem: await privateKeyPem,
        // Sent as `x5c` only when the host turned on `sendCertificateChain`, as for app tokens.
        certificatePem: active.certificatePem,
      },
      rules,
    };
  }
}
