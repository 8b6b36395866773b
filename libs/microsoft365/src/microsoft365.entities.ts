import { KeyPairEntity } from '@pbx/microsoft365/keys/key-pair.entity';
import { MailSettingsEntity } from '@pbx/microsoft365/mail/mail-settings.entity';
import { TenantSettingsEntity } from '@pbx/microsoft365/settings/tenant-settings.entity';
import { SsoSettingsEntity } from '@pbx/microsoft365/sso/sso-settings.entity';
import { SsoTransactionEntity } from '@pbx/microsoft365/sso/sso-transaction.entity';
import { SyncRunEntity } from '@pbx/microsoft365/runs/sync-run.entity';
import { UserLinkEntity } from '@pbx/microsoft365/user-sync/user-link.entity';
import { UserSyncSettingsEntity } from '@pbx/microsoft365/user-sync/user-sync-settings.entity';
import { UserSyncGroupMemberEntity } from '@pbx/microsoft365/user-sync/user-sync-group-member.entity';
import { ContactFolderEntity } from '@pbx/microsoft365/contact-sync/contact-folder.entity';
import { ContactItemEntity } from '@pbx/microsoft365/contact-sync/contact-item.entity';
import { ContactSyncSettingsEntity } from '@pbx/microsoft365/contact-sync/contact-sync-settings.entity';
import { GraphSubscriptionEntity } from '@pbx/microsoft365/notifications/graph-subscription.entity';
import { NotificationSettingsEntity } from '@pbx/microsoft365/notifications/notification-settings.entity';
import { CalendarPresenceSettingsEntity } from '@pbx/microsoft365/presence/calendar-presence-settings.entity';
import { UserPresenceStateEntity } from '@pbx/microsoft365/presence/user-presence-state.entity';

/** Every entity the module persists; all are keyed by PBX tenant. */
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
  ContactSyncSettingsEntity,
  ContactFolderEntity,
  ContactItemEntity,
  GraphSubscriptionEntity,
  NotificationSettingsEntity,
  CalendarPresenceSettingsEntity,
  UserPresenceStateEntity,
];
