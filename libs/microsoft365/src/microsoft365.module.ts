import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { TenantAdminGuard } from '@pbx/microsoft365/access/tenant-admin.guard';
import { CLOCK, systemClock } from '@pbx/microsoft365/common/clock';
import { ConnectionTestService } from '@pbx/microsoft365/connection/connection-test.service';
import { Microsoft365Events } from '@pbx/microsoft365/events/microsoft365-events.service';
import { AppTokenProvider } from '@pbx/microsoft365/graph/app-token.provider';
import { GraphApi } from '@pbx/microsoft365/graph/graph-api.service';
import {
  GraphClientProvider,
  graphResilienceSettingsProvider,
} from '@pbx/microsoft365/graph/graph-client.provider';
import { HttpTransport } from '@pbx/microsoft365/graph/http-transport.provider';
import { MsalClientProvider } from '@pbx/microsoft365/graph/msal-client.provider';
import { TenantTokenService } from '@pbx/microsoft365/graph/tenant-token.service';
import { KeyExpiryMonitor } from '@pbx/microsoft365/keys/key-expiry-monitor.service';
import { KeyManagementService } from '@pbx/microsoft365/keys/key-management.service';
import { MasterKeyRotationService } from '@pbx/microsoft365/keys/master-key-rotation.service';
import { SecretBox } from '@pbx/microsoft365/keys/secret-box.service';
import { AttachmentUploadClient } from '@pbx/microsoft365/mail/attachment-upload.client';
import { GraphMailService } from '@pbx/microsoft365/mail/graph-mail.service';
import { MailSettingsController } from '@pbx/microsoft365/mail/mail-settings.controller';
import { MailSettingsService } from '@pbx/microsoft365/mail/mail-settings.service';
import { TenantCertificateService } from '@pbx/microsoft365/keys/tenant-certificate.service';
import { microsoft365Entities } from '@pbx/microsoft365/microsoft365.entities';
import { type Microsoft365ModuleOptions } from '@pbx/microsoft365/microsoft365-module-options';
import {
  MICROSOFT365_OPTIONS,
  Microsoft365ConfigurableModule,
} from '@pbx/microsoft365/microsoft365.module-definition';
import { TenantSettingsController } from '@pbx/microsoft365/settings/tenant-settings.controller';
import { TenantSettingsService } from '@pbx/microsoft365/settings/tenant-settings.service';
import { SyncRunExecutor } from '@pbx/microsoft365/runs/sync-run.executor';
import { SyncRunsService } from '@pbx/microsoft365/runs/sync-runs.service';
import { Microsoft365DirectoryReader } from '@pbx/microsoft365/user-sync/microsoft365-directory.reader';
import { GroupScopeResolver } from '@pbx/microsoft365/user-sync/group-scope.resolver';
import { UserSyncGroupMembersStore } from '@pbx/microsoft365/user-sync/user-sync-group-members.store';
import { UserLinksService } from '@pbx/microsoft365/user-sync/user-links.service';
import { UserLinkAccountLinks } from '@pbx/microsoft365/user-sync/user-link-account-links.provider';
import { UserSyncPageProcessor } from '@pbx/microsoft365/user-sync/user-sync-page.processor';
import { UserSyncSettingsService } from '@pbx/microsoft365/user-sync/user-sync-settings.service';
import { UserSyncApplier } from '@pbx/microsoft365/user-sync/user-sync.applier';
import { UserSyncController } from '@pbx/microsoft365/user-sync/user-sync.controller';
import { USER_SYNC_LISTENER, UserSyncRunner } from '@pbx/microsoft365/user-sync/user-sync.runner';
import { UserSyncScheduler } from '@pbx/microsoft365/user-sync/user-sync.scheduler';
import { IdTokenValidator } from '@pbx/microsoft365/sso/id-token.validator';
import {
  MICROSOFT365_ACCOUNT_LINKS,
  MicrosoftAccountResolver,
} from '@pbx/microsoft365/sso/microsoft-account.resolver';
import { Microsoft365Strategy } from '@pbx/microsoft365/sso/microsoft365.strategy';
import { SsoController } from '@pbx/microsoft365/sso/sso.controller';
import { SsoErrorFilter } from '@pbx/microsoft365/sso/sso-error.filter';
import { SsoFlowService } from '@pbx/microsoft365/sso/sso-flow.service';
import { SsoMsalProvider } from '@pbx/microsoft365/sso/sso-msal.provider';
import { SsoSettingsController } from '@pbx/microsoft365/sso/sso-settings.controller';
import { SsoSettingsService } from '@pbx/microsoft365/sso/sso-settings.service';
import { SsoTransactionStore } from '@pbx/microsoft365/sso/sso-transaction.store';
import { ContactSyncApplier } from '@pbx/microsoft365/contact-sync/contact-sync.applier';
import { ContactSyncController } from '@pbx/microsoft365/contact-sync/contact-sync.controller';
import { ContactSyncMailboxProcessor } from '@pbx/microsoft365/contact-sync/contact-sync-mailbox.processor';
import { ContactSyncRunner } from '@pbx/microsoft365/contact-sync/contact-sync.runner';
import { ContactSyncScheduler } from '@pbx/microsoft365/contact-sync/contact-sync.scheduler';
import { ContactSyncSettingsService } from '@pbx/microsoft365/contact-sync/contact-sync-settings.service';
import { OutlookContactsReader } from '@pbx/microsoft365/contact-sync/outlook-contacts.reader';
import { NotificationSettingsController } from '@pbx/microsoft365/notifications/notification-settings.controller';
import { NotificationSettingsService } from '@pbx/microsoft365/notifications/notification-settings.service';
import { NotificationsController } from '@pbx/microsoft365/notifications/notifications.controller';
import { NotificationsScheduler } from '@pbx/microsoft365/notifications/notifications.scheduler';
import { SubscriptionManager } from '@pbx/microsoft365/notifications/subscription.manager';
import { UserSyncTrigger } from '@pbx/microsoft365/notifications/user-sync.trigger';
import { ContactSyncTrigger } from '@pbx/microsoft365/notifications/contact-sync.trigger';
import { CalendarPresenceController } from '@pbx/microsoft365/presence/calendar-presence.controller';
import { CalendarPresenceRunner } from '@pbx/microsoft365/presence/calendar-presence.runner';
import { CalendarPresenceScheduler } from '@pbx/microsoft365/presence/calendar-presence.scheduler';
import { CalendarPresenceSettingsService } from '@pbx/microsoft365/presence/calendar-presence-settings.service';
import { CalendarScheduleReader } from '@pbx/microsoft365/presence/calendar-schedule.reader';

/**
 * Connects each PBX tenant to Microsoft 365. Import it once with `forRoot`/`forRootAsync`, passing a module that
 * provides the ports (see `ports/`). It registers no global guards, pipes or filters, and runs no migrations by
 * itself: the host runs `microsoft365Migrations` at start-up.
 */
@Module({
  imports: [MikroOrmModule.forFeature(microsoft365Entities)],
  controllers: [
    MailSettingsController,
    TenantSettingsController,
    SsoController,
    SsoSettingsController,
    UserSyncController,
    ContactSyncController,
    NotificationsController,
    NotificationSettingsController,
    CalendarPresenceController,
  ],
  providers: [
    {
      provide: CLOCK,
      inject: [MICROSOFT365_OPTIONS],
      useFactory: (options: Microsoft365ModuleOptions) => options.clock ?? systemClock,
    },
    graphResilienceSettingsProvider,
    SecretBox,
    HttpTransport,
    MsalClientProvider,
    AppTokenProvider,
    TenantTokenService,
    GraphClientProvider,
    GraphApi,
    KeyManagementService,
    MasterKeyRotationService,
    KeyExpiryMonitor,
    TenantCertificateService,
    TenantSettingsService,
    ConnectionTestService,
    Microsoft365Events,
    TenantAdminGuard,
    SyncRunsService,
    SyncRunExecutor,
    Microsoft365DirectoryReader,
    UserSyncGroupMembersStore,
    GroupScopeResolver,
    UserSyncSettingsService,
    UserSyncApplier,
    UserSyncPageProcessor,
    UserSyncRunner,
    UserSyncScheduler,
    UserLinksService,
    { provide: MICROSOFT365_ACCOUNT_LINKS, useClass: UserLinkAccountLinks },
    SsoSettingsService,
    SsoMsalProvider,
    IdTokenValidator,
    SsoTransactionStore,
    MicrosoftAccountResolver,
    SsoFlowService,
    SsoErrorFilter,
    Microsoft365Strategy,
    MailSettingsService,
    AttachmentUploadClient,
    GraphMailService,
    ContactSyncSettingsService,
    OutlookContactsReader,
    ContactSyncApplier,
    ContactSyncMailboxProcessor,
    ContactSyncRunner,
    ContactSyncScheduler,
    { provide: USER_SYNC_LISTENER, useExisting: ContactSyncScheduler },
    NotificationSettingsService,
    UserSyncTrigger,
    ContactSyncTrigger,
    SubscriptionManager,
    NotificationsScheduler,
    CalendarPresenceSettingsService,
    CalendarScheduleReader,
    CalendarPresenceRunner,
    CalendarPresenceScheduler,
  ],
  exports: [GraphMailService, Microsoft365Events, MasterKeyRotationService],
})
export class Microsoft365Module extends Microsoft365ConfigurableModule {}
