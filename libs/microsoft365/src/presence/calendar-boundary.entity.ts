import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * When a user's calendar next changes state, as its last read said (an event starts or ends, or the read-ahead runs
 * out). In the database, so that the presence tick, run by whichever PBX instance takes it, knows which calendars
 * are due (README "Many PBX instances").
 */
@Entity({ tableName: 'm365_calendar_boundaries' })
export class CalendarBoundaryEntity {
  @PrimaryKey({ type: 'text' })
  pbxTenantId!: string;

  @PrimaryKey({ type: 'text' })
  pbxUserId!: string;

  @Property({ type: 'datetime' })
  nextBoundaryAt!: Date;
}
