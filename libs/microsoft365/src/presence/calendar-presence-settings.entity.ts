import { Entity, Enum, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { type StatusMapping } from './calendar-presence.machine';
import { SelectionMode } from '../user-sync/user-scope';

/** A PBX tenant's calendar presence; on/off is `features.calendarPresence` of the connection settings. */
@Entity({ tableName: 'm365_calendar_presence_settings' })
export class CalendarPresenceSettingsEntity {
  @PrimaryKey({ type: 'text' })
  pbxTenantId!: string;

  /** Which synced users' calendars drive their status (PortSIP's `events` scope). */
  @Enum({ items: () => SelectionMode, type: 'text' })
  selectionMode: SelectionMode & Opt = SelectionMode.All;

  /** UPNs or object ids for INCLUDE/EXCLUDE. */
  @Property({ type: 'json' })
  selectedUsers: string[] & Opt = [];

  @Property({ type: 'json' })
  departments: string[] & Opt = [];

  /** Calendar state (busy, oof, tentative, workingElsewhere) → host status name. */
  @Property({ type: 'json' })
  mapping: StatusMapping & Opt = {};

  @Property({ type: 'integer' })
  pollIntervalSeconds: number & Opt = 60;

  @Property({ type: 'datetime', nullable: true })
  lastPolledAt: Date | null = null;

  /** When every calendar in scope was last read (the safety pass); kept here for whichever instance ticks next. */
  @Property({ type: 'datetime', nullable: true })
  lastFullReadAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Property({ type: 'datetime' })
  updatedAt: Date & Opt = new Date();
}
