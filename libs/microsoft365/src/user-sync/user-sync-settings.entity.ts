import { Entity, Enum, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { DEFAULT_PROVISIONING_LOG_RETENTION_DAYS } from '../provisioning-log/provisioning-log-retention';
import { DEFAULT_EXTENSION_SOURCE, type ExtensionSource } from './extension-source';
import { type FieldOwnership } from './field-ownership';
import { SelectionMode } from './user-scope';
import { LeaverPolicy } from './user-sync-plan';

/** A PBX tenant's user sync: scope, numbering, leaver policy, schedule, and the delta cursor. */
@Entity({ tableName: 'm365_user_sync_settings' })
export class UserSyncSettingsEntity {
  @PrimaryKey({ type: 'text' })
  pbxTenantId!: string;

  @Property({ type: 'boolean' })
  includeGuests: boolean & Opt = false;

  @Enum({ items: () => SelectionMode, type: 'text' })
  selectionMode: SelectionMode & Opt = SelectionMode.All;

  /** UPNs or object ids for the include/exclude selection. */
  @Property({ type: 'json' })
  selectedUsers: string[] & Opt = [];

  @Property({ type: 'json' })
  departments: string[] & Opt = [];

  /** Object ids of groups whose members (nested groups included) are in scope. */
  @Property({ type: 'json' })
  groupIds: string[] & Opt = [];

  /** First extension number to hand out; null means the first free four-digit number. */
  @Property({ type: 'text', nullable: true })
  extensionStart: string | null = null;

  @Property({ type: 'text', nullable: true })
  extensionEnd: string | null = null;

  /**
   * Where a new user's extension comes from: the allocator (default), an Entra attribute or the first business
   * phone's extension digits, with the allocator as the fall-back (see `extension-source.ts`).
   */
  @Property({ type: 'text' })
  extensionSource: ExtensionSource & Opt = DEFAULT_EXTENSION_SOURCE;

  /**
   * Write each synced user's extension into their Entra `businessPhones` with this template
   * (`+1 425 555 0100 x{extension}`); null = off. Needs User-Phone.ReadWrite.All (docs/graph-notes.md §3.7).
   */
  @Property({ type: 'text', nullable: true })
  businessPhoneTemplate: string | null = null;

  /** Link an existing PBX user with the same UPN or email instead of creating a second one. */
  @Property({ type: 'boolean' })
  linkExistingUsers: boolean & Opt = true;

  @Enum({ items: () => LeaverPolicy, type: 'text' })
  leaverPolicy: LeaverPolicy & Opt = LeaverPolicy.Disable;

  @Property({ type: 'boolean' })
  syncPhotos: boolean & Opt = false;

  /** Profile fields (and the photo) the PBX keeps after creating a user; absent fields follow Microsoft 365. */
  @Property({ type: 'json' })
  fieldOwnership: FieldOwnership & Opt = {};

  @Property({ type: 'boolean' })
  scheduleEnabled: boolean & Opt = false;

  /** Five-field cron expression in the schedule's time zone; midnight by default, as PortSIP and 3CX do. */
  @Property({ type: 'text' })
  scheduleCron: string & Opt = '0 0 * * *';

  /** IANA time zone the admin chose; null follows the PBX tenant's own time zone (the default). */
  @Property({ type: 'text', nullable: true })
  scheduleTimeZone: string | null = null;

  /** The deletion guard trips when one run would disable or delete more than this many users... */
  @Property({ type: 'integer' })
  deletionGuardMaxUsers: number & Opt = 50;

  /** ...or more than this percentage of the synced users. */
  @Property({ type: 'integer' })
  deletionGuardMaxPercent: number & Opt = 20;

  /** Days the provisioning log keeps this feature's entries (1-365); a daily cleanup removes older ones. */
  @Property({ type: 'integer' })
  provisioningLogRetentionDays: number & Opt = DEFAULT_PROVISIONING_LOG_RETENTION_DAYS;

  /** Where the next incremental run starts; null forces a full run. Never shown: it is a bearer of sync state. */
  @Property({ type: 'text', nullable: true, hidden: true })
  deltaLink: string | null = null;

  /** Fingerprint of the scope the delta link was taken under: a different scope needs a full run. */
  @Property({ type: 'text', nullable: true, hidden: true })
  deltaScope: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  lastFullRunAt: Date | null = null;

  /**
   * Where the groups delta of a group scope starts: it tells an incremental run whether any group of the scope
   * changed members, so the stored members can be reused. null = the members are read from Graph next time.
   */
  @Property({ type: 'text', nullable: true, hidden: true })
  groupDeltaLink: string | null = null;

  /** Object ids of the scope's groups and of every group nested in them when the members were last read. */
  @Property({ type: 'json', nullable: true, hidden: true })
  groupClosure: string[] | null = null;

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
