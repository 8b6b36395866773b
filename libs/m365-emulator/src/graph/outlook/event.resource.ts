import { resolveTimeZone, toOutlookDateTime } from '../../core/time-zone.converter';
import { GraphError } from '../graph.error';
import { preferredTimeZone } from './outlook-query';
import type { EmulatorRequest } from '../../http/emulator-request';
import type { CalendarEvent } from '../../state/mailbox/calendar-event';

export const EVENT_TYPE_NAME = 'microsoft.graph.event';

/** A time zone as the caller named it plus the IANA zone the emulator converts with. */
export interface ResponseTimeZone {
  readonly name: string;
  readonly zone: string;
}

export function unsupportedTimeZone(name: string): GraphError {
  return new GraphError(
    400,
    'TimeZoneNotSupportedException',
    `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${name}'.`,
  );
}

/** Prefer: outlook.timezone, UTC by default (docs/graph-notes.md §8). */
export function responseTimeZone(request: EmulatorRequest): ResponseTimeZone {
  const name = preferredTimeZone(request) ?? 'UTC';
  const zone = resolveTimeZone(name);
  if (!zone) throw unsupportedTimeZone(name);
  return { name, zone };
}

export function dateTimeTimeZone(
  ms: number,
  timeZone: ResponseTimeZone,
): { dateTime: string; timeZone: string } {
  return { dateTime: toOutlookDateTime(ms, timeZone.zone), timeZone: timeZone.name };
}

const READERS: Readonly<Record<string, (event: CalendarEvent, timeZone: ResponseTimeZone) => unknown>> = {
  id: (event) => event.id,
  createdDateTime: (event) => event.createdDateTime,
  lastModifiedDateTime: (event) => event.lastModifiedDateTime,
  changeKey: (event) => event.changeKey,
  categories: () => [],
  originalStartTimeZone: () => 'UTC',
  originalEndTimeZone: () => 'UTC',
  reminderMinutesBeforeStart: () => 15,
  isReminderOn: () => true,
  hasAttachments: () => false,
  subject: (event) => event.fields.subject,
  bodyPreview: () => '',
  importance: () => 'normal',
  sensitivity: () => 'normal',
  isAllDay: (event) => event.fields.isAllDay,
  isCancelled: (event) => event.fields.isCancelled,
  isOrganizer: () => true,
  responseRequested: () => true,
  showAs: (event) => event.fields.showAs,
  type: () => 'singleInstance',
  isOnlineMeeting: () => false,
  start: (event, timeZone) => dateTimeTimeZone(event.fields.startMs, timeZone),
  end: (event, timeZone) => dateTimeTimeZone(event.fields.endMs, timeZone),
  location: (event) => ({ displayName: event.fields.location ?? '' }),
};

export const EVENT_PROPERTIES: readonly string[] = Object.keys(READERS);

export function projectEvent(
  event: CalendarEvent,
  timeZone: ResponseTimeZone,
  select: readonly string[] | undefined,
): Record<string, unknown> {
  const result: Record<string, unknown> = { '@odata.etag': `W/"${event.changeKey}"` };
  for (const property of select ?? EVENT_PROPERTIES)
    result[property] = READERS[property]?.(event, timeZone) ?? null;
  result['id'] = event.id;
  return result;
}
