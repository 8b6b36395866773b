import { KeyPairEntity } from './keys/key-pair.entity';
import { MailSettingsEntity } from './mail/mail-settings.entity';
import { TenantSettingsEntity } from './settings/tenant-settings.entity';
import { SsoSettingsEntity } from './sso/sso-settings.entity';
import { SsoTransactionEntity } from './sso/sso-transaction.entity';
import { ProvisioningLogEntryEntity } from './provisioning-log/provisioning-log-entry.entity';
import { SyncRunEntity } from './runs/sync-run.entity';
import { UserLinkEntity } from './user-sync/user-link.entity';
import { UserSyncSettingsEntity } from './user-sync/user-sync-settings.entity';
import { UserSyncGroupMemberEntity } from './user-sync/user-sync-group-member.entity';
import { ContactFolderEntity } from './contact-sync/contact-folder.entity';
import { ContactItemEntity } from './contact-sync/contact-item.entity';
import { ContactMailboxEntity } from './contact-sync/contact-mailbox.entity';
import { ContactSyncSettingsEntity } from './contact-sync/contact-sync-settings.entity';
import { GraphSubscriptionEntity } from './notifications/graph-subscription.entity';
import { NotificationSettingsEntity } from './notifications/notification-settings.entity';
import { CalendarPresenceSettingsEntity } from './presence/calendar-presence-settings.entity';
import { UserPresenceStateEntity } from './presence/user-presence-state.entity';
import { CalendarBoundaryEntity } from './presence/calendar-boundary.entity';
import { RateLimitCounterEntity } from './rate-limits/rate-limit-counter.entity';
import { FeatureHealthEntity } from './health/feature-health.entity';
import { TeamsPresenceSettingsEntity } from './teams-presence/teams-presence-settings.entity';
import { TeamsPresenceStateEntity } from './teams-presence/teams-presence-state.entity';
import { PresenceSubscriptionEntity } from './teams-presence/presence-subscription.entity';
import { ServiceAccountEntity } from './teams-presence/service-account.entity';
import { GroupLinkEntity } from './group-sync/group-link.entity';
import { GroupSyncSettingsEntity } from './group-sync/group-sync-settings.entity';

/** Every entity the module persists; all but the rate limit counters are keyed by PBX tenant. */
export const microsoft365Entities = [
  TenantSettingsEntity,
  KeyPairEntity,
  SsoSettingsEntity,
  SsoTransactionEntity,
  MailSettingsEntity,
  UserSyncSettingsEntity,
  UserLinkEntity,
  UserSyncGroupMemberEntity,
  SyncRunEntity,
  ProvisioningLogEntryEntity,
  ContactSyncSettingsEntity,
  ContactFolderEntity,
  ContactItemEntity,
  ContactMailboxEntity,
  GraphSubscriptionEntity,
  NotificationSettingsEntity,
  CalendarPresenceSettingsEntity,
  UserPresenceStateEntity,
  CalendarBoundaryEntity,
  RateLimitCounterEntity,
  FeatureHealthEntity,
  TeamsPresenceSettingsEntity,
  TeamsPresenceStateEntity,
  ServiceAccountEntity,
  PresenceSubscriptionEntity,
  GroupSyncSettingsEntity,
  GroupLinkEntity,
];
