import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { MsalClientProvider } from '../graph/msal-client.provider';
import { daysUntil, expiryMessage, expiryWarningLevel } from '../keys/expiry-warning';
import { KeyManagementService } from '../keys/key-management.service';
import { type KeyPairEntity } from '../keys/key-pair.entity';
import { pendingCertificateWarning } from '../keys/pending-certificate.warning';
import { ExpiryWarningLevel } from '../keys/key-pair-status';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import {
  type CertificateView,
  type SettingsWarningView,
  type TenantSettingsView,
  type UpdateTenantSettingsDto,
} from './tenant-settings.dto';
import { ContactSyncSettingsEntity } from '../contact-sync/contact-sync-settings.entity';
import { MailSettingsEntity } from '../mail/mail-settings.entity';
import { NotificationSettingsEntity } from '../notifications/notification-settings.entity';
import { CalendarPresenceSettingsEntity } from '../presence/calendar-presence-settings.entity';
import { SsoSettingsEntity } from '../sso/sso-settings.entity';
import { UserSyncSettingsEntity } from '../user-sync/user-sync-settings.entity';
import { TenantSettingsEntity } from './tenant-settings.entity';
import { ConfigurationChanges } from './configuration-changes.service';
import { DEFAULT_FEATURE_SWITCHES } from './feature-switches';
import { GroupSyncSettingsEntity } from '../group-sync/group-sync-settings.entity';
import { adminConsentLink } from './admin-consent-url';
import { PBX_CALL_STATES, type PbxCallStatesPort } from '../ports/pbx-call-states.port';
import { refuseUnavailableTeamsPresence } from '../teams-presence/teams-presence-availability';
import { TeamsPresenceSettingsEntity } from '../teams-presence/teams-presence-settings.entity';

/** Per-tenant configuration rows removed with the connection settings. */
const TENANT_CONFIGURATION_ENTITIES = [
  TenantSettingsEntity,
  UserSyncSettingsEntity,
  ContactSyncSettingsEntity,
  MailSettingsEntity,
  SsoSettingsEntity,
  NotificationSettingsEntity,
  CalendarPresenceSettingsEntity,
  TeamsPresenceSettingsEntity,
  GroupSyncSettingsEntity,
] as const;

/** Where Entra sends users back after "Sign in with Microsoft"; the admin pastes it into the app registration. */
export const SSO_CALLBACK_PATH = '/microsoft365/sso/callback';

@Injectable()
export class TenantSettingsService {
  constructor(
    private readonly em: EntityManager,
    private readonly keys: KeyManagementService,
    private readonly msalClients: MsalClientProvider,
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly changes: ConfigurationChanges,
    // Optional port: a PBX without call states cannot switch on Teams presence PBX → Teams.
    @Optional() @Inject(PBX_CALL_STATES) private readonly callStates?: PbxCallStatesPort | null,
  ) {}

  async find(pbxTenantId: string): Promise<TenantSettingsEntity | null> {
    return this.em.fork().findOne(TenantSettingsEntity, { pbxTenantId });
  }

  /** Settings of a tenant, or the defaults of an unconfigured one (never null, so the admin page can render). */
  async view(pbxTenantId: string): Promise<TenantSettingsView> {
    const settings =
      (await this.find(pbxTenantId)) ?? Object.assign(new TenantSettingsEntity(), { pbxTenantId });
    const { active, pending } = await this.keys.current(pbxTenantId);
    return this.toView(settings, active, pending);
  }

  async update(pbxTenantId: string, changes: UpdateTenantSettingsDto): Promise<TenantSettingsView> {
    await this.em.transactional(async (em) => {
      let settings = await em.findOne(TenantSettingsEntity, { pbxTenantId }, { lockMode: undefined });
      if (!settings) {
        settings = Object.assign(new TenantSettingsEntity(), { pbxTenantId, createdAt: this.clock.now() });
        em.persist(settings);
      }
      const { features, ...plain } = changes;
      for (const [key, value] of Object.entries(plain)) {
        if (value !== undefined) Object.assign(settings, { [key]: value });
      }
      if (features) {
        settings.features = { ...settings.features, ...stripUndefined(features) };
      }
      refuseUnavailableTeamsPresence(
        settings.features,
        settings.cloud,
        Boolean(this.callStates),
        changes.cloud !== undefined,
      );
      settings.updatedAt = this.clock.now();
    });
    // The MSAL clients of both flows and the resolved token: the next call uses the new cloud, app or directory.
    this.msalClients.evict(pbxTenantId);
    // This instance's caches at once; the others when PostgreSQL delivers the trigger's notification.
    this.changes.changed(pbxTenantId);
    return this.view(pbxTenantId);
  }

  /** Removes the configuration and the key pairs; synced PBX users and contacts stay. */
  async remove(pbxTenantId: string): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      // Every feature's configuration goes with it; what was synced (users, links, contacts, run history) stays.
      for (const entity of TENANT_CONFIGURATION_ENTITIES) await em.nativeDelete(entity, { pbxTenantId });
    });
    await this.keys.removeAll(pbxTenantId);
    this.msalClients.evict(pbxTenantId);
    this.changes.changed(pbxTenantId);
  }

  /** The settings, insisting that the ids needed to talk to Microsoft are there. */
  async requireConfigured(
    pbxTenantId: string,
  ): Promise<TenantSettingsEntity & { applicationId: string; directoryId: string }> {
    const settings = await this.find(pbxTenantId);
    if (!settings?.applicationId || !settings.directoryId) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.NotConfigured,
        'Microsoft 365 is not configured for this tenant',
        {
          action:
            'Enter the Application (client) ID and Directory (tenant) ID of your Entra app registration.',
        },
      );
    }
    return settings as TenantSettingsEntity & { applicationId: string; directoryId: string };
  }

  /**
   * The redirect URIs the admin registers in Entra for a tenant: the PBX's public URL, the tenant's SBC (if set),
   * and the module-wide `sbcPublicUrl` (if set), each with the sign-in callback path.
   */
  redirectUris(settings?: Pick<TenantSettingsEntity, 'sbcUrl'> | null): string[] {
    const uris = [
      this.callbackAt(this.options.publicUrl),
      ...(settings?.sbcUrl ? [this.callbackAt(settings.sbcUrl)] : []),
      ...(this.options.sbcPublicUrl ? [this.callbackAt(this.options.sbcPublicUrl)] : []),
    ];
    return [...new Set(uris)];
  }

  private callbackAt(base: string): string {
    const prefix = (this.options.routePrefix ?? '').replace(/^\/*/, '/').replace(/\/+$/, '');
    return `${base.replace(/\/+$/, '')}${prefix}${SSO_CALLBACK_PATH}`;
  }

  private toView(
    settings: TenantSettingsEntity,
    active: KeyPairEntity | null,
    pending: KeyPairEntity | null,
  ): TenantSettingsView {
    const now = this.clock.now();
    const warnings: SettingsWarningView[] = [];
    if (!settings.applicationId || !settings.directoryId) {
      warnings.push({
        code: 'INCOMPLETE',
        message: 'Enter the application (client) ID and directory (tenant) ID.',
      });
    }
    if (!active) {
      warnings.push({
        code: 'NO_CERTIFICATE',
        message: 'Generate a key pair and upload public_key.pem to the Entra app.',
      });
    } else {
      const level = expiryWarningLevel(active.notAfter, now);
      if (level)
        warnings.push({ code: WARNING_CODES[level], message: expiryMessage(level, active.notAfter, now) });
    }
    if (pending) {
      const { code, message, action } = pendingCertificateWarning(pending);
      warnings.push({ code, message: `${message} ${action}` });
    }
    return {
      pbxTenantId: settings.pbxTenantId,
      enabled: settings.enabled,
      applicationId: settings.applicationId,
      directoryId: settings.directoryId,
      cloud: settings.cloud,
      redirectUris: this.redirectUris(settings),
      sbcUrl: settings.sbcUrl,
      sbcRedirectUri: settings.sbcUrl ? this.callbackAt(settings.sbcUrl) : null,
      adminConsent: adminConsentLink({
        cloud: settings.cloud,
        applicationId: settings.applicationId,
        directoryId: settings.directoryId,
        redirectUri: this.callbackAt(this.options.publicUrl),
        ...(this.options.endpoints?.authorityBaseUrl
          ? { authorityBaseUrl: this.options.endpoints.authorityBaseUrl }
          : {}),
      }),
      certificateValidityDays: settings.certificateValidityDays,
      // Rows saved before a switch existed lack it: it reads as its default.
      features: { ...DEFAULT_FEATURE_SWITCHES, ...settings.features },
      activeCertificate: active ? certificateView(active, now) : null,
      pendingCertificate: pending ? certificateView(pending, now) : null,
      warnings,
      updatedAt: settings.updatedAt.toISOString(),
    };
  }
}

const WARNING_CODES: Record<ExpiryWarningLevel, string> = {
  [ExpiryWarningLevel.ThirtyDays]: 'CERTIFICATE_EXPIRES_IN_30_DAYS',
  [ExpiryWarningLevel.SevenDays]: 'CERTIFICATE_EXPIRES_IN_7_DAYS',
  [ExpiryWarningLevel.Expired]: 'CERTIFICATE_EXPIRED',
};

function certificateView(pair: KeyPairEntity, now: Date): CertificateView {
  return {
    id: pair.id,
    status: pair.status,
    subject: pair.subject,
    thumbprintSha1: pair.thumbprintSha1,
    thumbprintSha256: pair.thumbprintSha256,
    notBefore: pair.notBefore.toISOString(),
    notAfter: pair.notAfter.toISOString(),
    daysUntilExpiry: daysUntil(pair.notAfter, now),
    lastActivationError: pair.lastActivationError,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
