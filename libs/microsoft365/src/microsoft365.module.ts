import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { TenantAdminGuard } from './access/tenant-admin.guard';
import { CLOCK, systemClock } from './common/clock';
import { HttpResponder } from './common/http-responder';
import { Microsoft365ExceptionFilter } from './common/microsoft365-exception.filter';
import { Microsoft365RequestErrorFilter } from './common/microsoft365-request-error.filter';
import { ConnectionTestService } from './connection/connection-test.service';
import { DirectoryPickersController } from './directory-pickers/directory-pickers.controller';
import { DirectoryPickersReader } from './directory-pickers/directory-pickers.reader';
import { Microsoft365Events } from './events/microsoft365-events.service';
import { AppTokenProvider } from './graph/app-token.provider';
import { GraphApi } from './graph/graph-api.service';
import { GraphClientProvider, graphResilienceSettingsProvider } from './graph/graph-client.provider';
import { GraphConcurrency } from './graph/graph-concurrency.service';
import { HttpTransport } from './graph/http-transport.provider';
import { MsalClientProvider } from './graph/msal-client.provider';
import { TenantTokenService } from './graph/tenant-token.service';
import { KeyExpiryMonitor } from './keys/key-expiry-monitor.service';
import { KeyManagementService } from './keys/key-management.service';
import { KeyPairSecretRewrapper } from './keys/key-pair-secret.rewrapper';
import { MasterKeyRotationService } from './keys/master-key-rotation.service';
import { SecretBox } from './keys/secret-box.service';
import { AttachmentUploadClient } from './mail/attachment-upload.client';
import { GraphMailService } from './mail/graph-mail.service';
import { MailSettingsController } from './mail/mail-settings.controller';
import { MailSettingsService } from './mail/mail-settings.service';
import { TenantCertificateService } from './keys/tenant-certificate.service';
import { microsoft365Entities } from './microsoft365.entities';
import { type Microsoft365ModuleOptions } from './microsoft365-module-options';
import { MICROSOFT365_OPTIONS, Microsoft365ConfigurableModule } from './microsoft365.module-definition';
import { TenantSettingsController } from './settings/tenant-settings.controller';
import { TenantSettingsService } from './settings/tenant-settings.service';
import { ConfigurationChanges } from './settings/configuration-changes.service';
import { ConfigurationNotificationsListener } from './settings/configuration-notifications.listener';
import { ProvisioningLogCleanup } from './provisioning-log/provisioning-log.cleanup';
import { ProvisioningLogController } from './provisioning-log/provisioning-log.controller';
import { FeatureHealthController } from './health/feature-health.controller';
import { FeatureHealthService } from './health/feature-health.service';
import { ClusterTicks } from './jobs/cluster-ticks';
import { JobQueue } from './jobs/job-queue';
import { SyncJobs } from './jobs/sync-jobs';
import { ProvisioningLogService } from './provisioning-log/provisioning-log.service';
import { ProvisioningLogWriter } from './provisioning-log/provisioning-log.writer';
import { SyncRunExecutor } from './runs/sync-run.executor';
import { SyncRunsService } from './runs/sync-runs.service';
import { Microsoft365DirectoryReader } from './user-sync/microsoft365-directory.reader';
import { GroupScopeResolver } from './user-sync/group-scope.resolver';
import { UserSyncGroupMembersStore } from './user-sync/user-sync-group-members.store';
import { UserLinksService } from './user-sync/user-links.service';
import { UserLinkAccountLinks } from './user-sync/user-link-account-links.provider';
import { MatchCandidatesFinder } from './user-sync/match-candidates.finder';
import { UserPhotosFetcher } from './user-sync/user-photos.fetcher';
import { UserSyncPageProcessor } from './user-sync/user-sync-page.processor';
import { BusinessPhoneWriter } from './user-sync/business-phone.writer';
import { UserSyncSettingsService } from './user-sync/user-sync-settings.service';
import { UserSyncApplier } from './user-sync/user-sync.applier';
import { UserPhotoApplier } from './user-sync/user-photo.applier';
import { UserSyncController } from './user-sync/user-sync.controller';
import { UserSyncFinisher } from './user-sync/user-sync.finisher';
import { USER_SYNC_LISTENER, UserSyncRunner } from './user-sync/user-sync.runner';
import { UserSyncScheduler } from './user-sync/user-sync.scheduler';
import { IdTokenValidator } from './sso/id-token.validator';
import { MICROSOFT365_ACCOUNT_LINKS, MicrosoftAccountResolver } from './sso/microsoft-account.resolver';
import { Microsoft365Strategy } from './sso/microsoft365.strategy';
import { SsoController } from './sso/sso.controller';
import { SsoErrorFilter } from './sso/sso-error.filter';
import { SsoScopeResolver } from './sso/sso-scope.resolver';
import { SsoFlowService } from './sso/sso-flow.service';
import { SsoConfigurationCache } from './sso/sso-configuration.cache';
import { SsoMsalProvider } from './sso/sso-msal.provider';
import { SsoSettingsController } from './sso/sso-settings.controller';
import { SsoSettingsService } from './sso/sso-settings.service';
import { SsoTransactionStore } from './sso/sso-transaction.store';
import { BrowserKeyCookie } from './sso/browser-key.cookie';
import { SelectedUsersResolver } from './sso/selected-users.resolver';
import { PostgresThrottlerStorage } from './rate-limits/postgres-throttler.storage';
import { FailedRequestsLimiter } from './rate-limits/failed-requests.limiter';
import { RATE_LIMIT_STORAGE, RateLimitGuard } from './rate-limits/rate-limit.guard';
import { ContactSyncApplier } from './contact-sync/contact-sync.applier';
import { ContactSyncController } from './contact-sync/contact-sync.controller';
import { ContactSyncMailboxProcessor } from './contact-sync/contact-sync-mailbox.processor';
import { ContactMailboxSources } from './contact-sync/contact-mailbox.sources';
import { ContactSyncRunner } from './contact-sync/contact-sync.runner';
import { ContactSyncScheduler } from './contact-sync/contact-sync.scheduler';
import { ContactSyncSettingsService } from './contact-sync/contact-sync-settings.service';
import { OutlookContactsReader } from './contact-sync/outlook-contacts.reader';
import { ContactFolderTracker } from './contact-sync/contact-folder.tracker';
import { NotificationSettingsController } from './notifications/notification-settings.controller';
import { NotificationSettingsService } from './notifications/notification-settings.service';
import { NotificationsController } from './notifications/notifications.controller';
import { NotificationsScheduler } from './notifications/notifications.scheduler';
import { SubscriptionManager } from './notifications/subscription.manager';
import { WantedSubscriptionsResolver } from './notifications/wanted-subscriptions.resolver';
import { UserSyncTrigger } from './notifications/user-sync.trigger';
import { ContactSyncTrigger } from './notifications/contact-sync.trigger';
import { CalendarPresenceController } from './presence/calendar-presence.controller';
import { CalendarBoundaryStore } from './presence/calendar-boundary.store';
import { CalendarPresenceRunner } from './presence/calendar-presence.runner';
import { CalendarPresenceScheduler } from './presence/calendar-presence.scheduler';
import { CalendarPresenceSettingsService } from './presence/calendar-presence-settings.service';
import { CalendarScheduleReader } from './presence/calendar-schedule.reader';
import { TeamsPresenceController } from './teams-presence/teams-presence.controller';
import { PresenceSubscriptionClient } from './teams-presence/presence-subscription.client';
import { PresenceSubscriptionManager } from './teams-presence/presence-subscription.manager';
import { ServiceAccountCallbackController } from './teams-presence/service-account-callback.controller';
import { ServiceAccountMsalProvider } from './teams-presence/service-account-msal.provider';
import { ServiceAccountCacheRewrapper } from './teams-presence/service-account-cache.rewrapper';
import { ServiceAccountService } from './teams-presence/service-account.service';
import { TeamsPresencePoller } from './teams-presence/teams-presence.poller';
import { TeamsPresenceScheduler } from './teams-presence/teams-presence.scheduler';
import { TeamsPresenceService } from './teams-presence/teams-presence.service';
import { TeamsPresenceSettingsService } from './teams-presence/teams-presence-settings.service';
import { TeamsPresenceStore } from './teams-presence/teams-presence-state.store';
import { TeamsPresenceClient } from './teams-presence/teams-presence.client';
import { EntraGroupsReader } from './group-sync/entra-groups.reader';
import { GroupSyncApplier } from './group-sync/group-sync.applier';
import { GroupSyncController } from './group-sync/group-sync.controller';
import { GroupSyncRunner } from './group-sync/group-sync.runner';
import { GroupSyncScheduler } from './group-sync/group-sync.scheduler';
import { GroupSyncSettingsService } from './group-sync/group-sync-settings.service';
import { type UserSyncListener } from './user-sync/user-sync.runner';

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
    ProvisioningLogController,
    FeatureHealthController,
    NotificationsController,
    NotificationSettingsController,
    CalendarPresenceController,
    TeamsPresenceController,
    ServiceAccountCallbackController,
    DirectoryPickersController,
    GroupSyncController,
  ],
  providers: [
    {
      provide: CLOCK,
      inject: [MICROSOFT365_OPTIONS],
      useFactory: (options: Microsoft365ModuleOptions) => options.clock ?? systemClock,
    },
    graphResilienceSettingsProvider,
    HttpResponder,
    Microsoft365ExceptionFilter,
    Microsoft365RequestErrorFilter,
    SecretBox,
    ConfigurationChanges,
    ConfigurationNotificationsListener,
    HttpTransport,
    MsalClientProvider,
    AppTokenProvider,
    TenantTokenService,
    GraphClientProvider,
    GraphApi,
    GraphConcurrency,
    KeyManagementService,
    KeyPairSecretRewrapper,
    ServiceAccountCacheRewrapper,
    MasterKeyRotationService,
    KeyExpiryMonitor,
    TenantCertificateService,
    TenantSettingsService,
    ConnectionTestService,
    Microsoft365Events,
    TenantAdminGuard,
    JobQueue,
    SyncJobs,
    ClusterTicks,
    SyncRunsService,
    SyncRunExecutor,
    FeatureHealthService,
    ProvisioningLogWriter,
    ProvisioningLogService,
    ProvisioningLogCleanup,
    Microsoft365DirectoryReader,
    UserSyncGroupMembersStore,
    GroupScopeResolver,
    UserSyncSettingsService,
    UserSyncApplier,
    UserPhotoApplier,
    UserSyncPageProcessor,
    MatchCandidatesFinder,
    UserPhotosFetcher,
    BusinessPhoneWriter,
    UserSyncFinisher,
    UserSyncRunner,
    UserSyncScheduler,
    UserLinksService,
    { provide: MICROSOFT365_ACCOUNT_LINKS, useClass: UserLinkAccountLinks },
    PostgresThrottlerStorage,
    {
      provide: RATE_LIMIT_STORAGE,
      inject: [MICROSOFT365_OPTIONS, PostgresThrottlerStorage],
      useFactory: (options: Microsoft365ModuleOptions, postgres: PostgresThrottlerStorage) =>
        options.rateLimits?.storage ?? postgres,
    },
    FailedRequestsLimiter,
    RateLimitGuard,
    SsoSettingsService,
    SelectedUsersResolver,
    BrowserKeyCookie,
    SsoMsalProvider,
    IdTokenValidator,
    SsoTransactionStore,
    MicrosoftAccountResolver,
    SsoConfigurationCache,
    SsoScopeResolver,
    SsoFlowService,
    SsoErrorFilter,
    Microsoft365Strategy,
    MailSettingsService,
    AttachmentUploadClient,
    GraphMailService,
    ContactSyncSettingsService,
    OutlookContactsReader,
    ContactFolderTracker,
    ContactSyncApplier,
    ContactSyncMailboxProcessor,
    ContactMailboxSources,
    ContactSyncRunner,
    ContactSyncScheduler,
    GroupSyncSettingsService,
    EntraGroupsReader,
    GroupSyncApplier,
    GroupSyncRunner,
    GroupSyncScheduler,
    {
      // The user sync tells one listener; contact sync (only after a run that changed users) and group sync (its
      // idle run is one groups/delta request) both follow it.
      provide: USER_SYNC_LISTENER,
      inject: [ContactSyncScheduler, GroupSyncScheduler],
      useFactory: (...listeners: UserSyncListener[]): UserSyncListener => ({
        userSyncSucceeded: (pbxTenantId, outcome) =>
          listeners.forEach((listener) => listener.userSyncSucceeded(pbxTenantId, outcome)),
      }),
    },
    NotificationSettingsService,
    UserSyncTrigger,
    ContactSyncTrigger,
    SubscriptionManager,
    WantedSubscriptionsResolver,
    NotificationsScheduler,
    CalendarPresenceSettingsService,
    CalendarScheduleReader,
    CalendarBoundaryStore,
    CalendarPresenceRunner,
    CalendarPresenceScheduler,
    DirectoryPickersReader,
    TeamsPresenceSettingsService,
    TeamsPresenceStore,
    TeamsPresenceClient,
    TeamsPresenceService,
    TeamsPresencePoller,
    TeamsPresenceScheduler,
    ServiceAccountMsalProvider,
    ServiceAccountService,
    PresenceSubscriptionClient,
    PresenceSubscriptionManager,
  ],
  exports: [
    GraphMailService,
    Microsoft365Events,
    MasterKeyRotationService,
    Microsoft365RequestErrorFilter,
    TeamsPresenceService,
  ],
})
export class Microsoft365Module extends Microsoft365ConfigurableModule {}
