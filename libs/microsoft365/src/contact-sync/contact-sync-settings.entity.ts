import { Entity, Enum, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { DEFAULT_PROVISIONING_LOG_RETENTION_DAYS } from '../provisioning-log/provisioning-log-retention';
import { SelectionMode } from '../user-sync/user-scope';

export enum ContactSyncSchedule {
  /** Manual runs only. */
  Off = 'OFF',
  /** Its own cron expression, in the schedule's time zone (the PBX tenant's unless the admin chose one). */
  Cron = 'CRON',
  /**
   * Right after each user sync run that changed PBX users (created, linked, updated, disabled, deleted), so new
   * users get their contacts at once; an idle user sync starts no contact pass.
   */
  AfterUserSync = 'AFTER_USER_SYNC',
}

/**
 * A PBX tenant's contact sync: whose personal contacts are synced and which shared mailboxes become company
 * contacts. The on/off switches are the tenant's `features.personalContacts` and `features.sharedMailboxes`.
 */
@Entity({ tableName: 'm365_contact_sync_settings' })
export class ContactSyncSettingsEntity {
  @PrimaryKey({ type: 'text' })
  pbxTenantId!: string;

  @Enum({ items: () => SelectionMode, type: 'text' })
  selectionMode: SelectionMode & Opt = SelectionMode.All;

  /** UPNs or object ids of synced users for the include/exclude selection. */
  @Property({ type: 'json' })
  selectedUsers: string[] & Opt = [];

  @Property({ type: 'json' })
  departments: string[] & Opt = [];

  /** Lower-cased UPNs of the shared mailboxes whose contacts become company contacts. */
  @Property({ type: 'json' })
  sharedMailboxes: string[] & Opt = [];

  @Enum({ items: () => ContactSyncSchedule, type: 'text' })
  schedule: ContactSyncSchedule & Opt = ContactSyncSchedule.Off;

  @Property({ type: 'text' })
  scheduleCron: string & Opt = '0 1 * * *';

  /** IANA time zone the admin chose for the cron schedule; null follows the PBX tenant's own time zone. */
  @Property({ type: 'text', nullable: true })
  scheduleTimeZone: string | null = null;

  /** Days the provisioning log keeps this feature's entries (1-365); a daily cleanup removes older ones. */
  @Property({ type: 'integer' })
  provisioningLogRetentionDays: number & Opt = DEFAULT_PROVISIONING_LOG_RETENTION_DAYS;

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
