import { fromOutlookDateTime, resolveTimeZone } from '../../core/time-zone.converter';
import { DAY_MS } from '../../core/time.format';
import type { RouteFamily } from '../../emulator.context';
import { GraphError } from '../graph.error';
import {
  EVENT_PROPERTIES,
  EVENT_TYPE_NAME,
  projectEvent,
  responseTimeZone,
  unsupportedTimeZone,
} from './event.resource';
import { MailboxAccess, type MailboxTarget } from './mailbox.access';
import { invalidParameter, itemNotFound } from './outlook.errors';
import {
  pageOutlookCollection,
  parseOutlookSelect,
  rejectUnsupportedOptions,
  requireOutlookId,
} from './outlook-query';
import { buildScheduleInformation } from './schedule.builder';
import { queryOption, readJson, requireParam, type EmulatorRequest } from '../../http/emulator-request';
import { odataResponse, type EmulatorResponse } from '../../http/emulator-response';
import type { CalendarEvent } from '../../state/mailbox/calendar-event';
import type { TenantState } from '../../state/tenant.state';
import { asOutlookRoutes } from '../../http/route-definition';

export const CALENDAR_READ_PERMISSIONS: readonly string[] = ['Calendars.Read', 'Calendars.ReadWrite'];
/** getSchedule's least privileged application permission is Calendars.ReadBasic (current docs). */
export const SCHEDULE_READ_PERMISSIONS: readonly string[] = [
  'Calendars.ReadBasic',
  ...CALENDAR_READ_PERMISSIONS,
];

/** docs/graph-notes.md §8: at most 20 schedules, interval 5..1440 minutes, a window shorter than 62 days. */
export const MAX_SCHEDULES = 20;
const MAX_WINDOW_DAYS = 62;

function listEvents(
  request: EmulatorRequest,
  events: readonly CalendarEvent[],
  contextUrl: string,
): EmulatorResponse {
  const timeZone = responseTimeZone(request);
  const select = parseOutlookSelect(request, EVENT_PROPERTIES, EVENT_TYPE_NAME);
  const page = pageOutlookCollection(request, events);
  return odataResponse(
    200,
    {
      '@odata.context': select ? `${contextUrl}(${select.join(',')})` : contextUrl,
      value: page.items.map((event) => projectEvent(event, timeZone, select)),
      ...(page.nextLink ? { '@odata.nextLink': page.nextLink } : {}),
    },
    page.headers,
  );
}

/** startDateTime/endDateTime are ISO 8601; without an offset they are UTC. */
function viewBoundary(request: EmulatorRequest, name: 'startDateTime' | 'endDateTime'): number {
  const raw = queryOption(request, name);
  if (raw === undefined || raw.trim() === '') {
    throw invalidParameter(
      'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
    );
  }
  const value = fromOutlookDateTime(raw, 'UTC');
  if (value === undefined)
    throw invalidParameter(`The parameter '${name}' is not a valid ISO 8601 date and time.`);
  return value;
}

function calendarView(target: MailboxTarget, request: EmulatorRequest, contextUrl: string): EmulatorResponse {
  rejectUnsupportedOptions(request, ['startdatetime', 'enddatetime', 'top', 'skip', 'select']);
  const start = viewBoundary(request, 'startDateTime');
  const end = viewBoundary(request, 'endDateTime');
  if (end <= start) throw invalidParameter('The value of EndDateTime must be later than StartDateTime.');
  const events = target
    .mailbox()
    .allEvents()
    .filter((event) => event.fields.startMs < end && event.fields.endMs > start)
    .sort((a, b) => a.fields.startMs - b.fields.startMs || a.ordinal - b.ordinal);
  return listEvents(request, events, contextUrl);
}

function field(body: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(body).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : body[key];
}

function instant(value: unknown, name: string): number {
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  const dateTime = record ? field(record, 'dateTime') : undefined;
  const timeZoneName = record ? field(record, 'timeZone') : undefined;
  if (typeof dateTime !== 'string' || typeof timeZoneName !== 'string')
    throw invalidParameter(`${name} must be a dateTimeTimeZone with dateTime and timeZone.`);
  const zone = resolveTimeZone(timeZoneName);
  if (!zone) throw unsupportedTimeZone(timeZoneName);
  const ms = fromOutlookDateTime(dateTime, zone);
  if (ms === undefined)
    throw invalidParameter(`${name}.dateTime '${dateTime}' is not a valid date and time.`);
  return ms;
}

function findBySmtpAddress(tenant: TenantState, address: string): ReturnType<TenantState['users']['find']> {
  const lower = address.toLowerCase();
  return (
    tenant.users.find(address) ?? tenant.users.all().find((user) => user.fields.mail?.toLowerCase() === lower)
  );
}

/**
 * POST /users/{id}/calendar/getSchedule (docs/graph-notes.md §8), computed from the events on the emulator
 * clock.
 */
function getSchedule(target: MailboxTarget, request: EmulatorRequest, contextUrl: string): EmulatorResponse {
  let raw: unknown;
  try {
    raw = readJson(request);
  } catch {
    throw new GraphError(400, 'RequestBodyRead', 'Unable to read JSON request payload.');
  }
  const body = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const schedules = field(body, 'schedules');
  if (
    !Array.isArray(schedules) ||
    schedules.some((item) => typeof item !== 'string') ||
    schedules.length === 0
  )
    throw invalidParameter('schedules must be a non-empty collection of SMTP addresses.');
  if (schedules.length > MAX_SCHEDULES) {
    throw new GraphError(
      400,
      'ErrorMailboxDataArrayTooBig',
      `There are too many target users in the EmailAddress array. The allowed size = ${MAX_SCHEDULES}; the actual size = ${schedules.length}.`,
    );
  }
  const startMs = instant(field(body, 'startTime'), 'startTime');
  const endMs = instant(field(body, 'endTime'), 'endTime');
  const intervalRaw = field(body, 'availabilityViewInterval') ?? 30;
  const intervalMinutes = typeof intervalRaw === 'string' ? Number(intervalRaw) : intervalRaw;
  if (
    typeof intervalMinutes !== 'number' ||
    !Number.isInteger(intervalMinutes) ||
    intervalMinutes < 5 ||
    intervalMinutes > 1440
  )
    throw invalidParameter('availabilityViewInterval must be between 5 and 1440 minutes.');
  if (endMs <= startMs) throw invalidParameter('The end time must be later than the start time.');
  const days = Math.ceil((endMs - startMs) / DAY_MS);
  // The documented limit is "< 62 days": a window of exactly 62 days is already too long.
  if (endMs - startMs >= MAX_WINDOW_DAYS * DAY_MS) {
    throw new GraphError(
      400,
      'ErrorTimeIntervalTooBig',
      `The requested time duration specified for FreeBusyViewOptions.TimeWindow is too long. The allowed limit = ${MAX_WINDOW_DAYS} days; the actual limit = ${days} days.`,
    );
  }
  const timeZone = responseTimeZone(request);
  const tenant = target.caller.tenant;
  const value = (schedules as string[]).map((address) => {
    const user = findBySmtpAddress(tenant, address);
    if (!user || !tenant.mailboxes.hasMailbox(user)) {
      return {
        scheduleId: address,
        error: {
          message: `Unable to resolve e-mail address ${address} to an Active Directory object.`,
          responseCode: '5009',
        },
      };
    }
    return buildScheduleInformation(
      address,
      tenant.mailboxes.open(user).allEvents(),
      { startMs, endMs, intervalMinutes },
      timeZone,
      tenant.mailboxes.timeZoneOf(user.id),
    );
  });
  return odataResponse(200, { '@odata.context': contextUrl, value });
}

/** Events, calendarView and getSchedule of any mailbox (docs/graph-notes.md §8). */
export const calendarRoutes: RouteFamily = (context) => {
  const access = new MailboxAccess(context);
  const usersContext = (request: EmulatorRequest): string =>
    `${context.urls.graphBaseUrl}/$metadata#users('${encodeURIComponent(requireParam(request, 'id'))}')`;
  const withCalendar =
    (handler: (target: MailboxTarget, request: EmulatorRequest) => EmulatorResponse) =>
    (request: EmulatorRequest) =>
      access.run(request, CALENDAR_READ_PERMISSIONS, (target) => handler(target, request));
  const view = withCalendar((target, request) =>
    calendarView(target, request, `${usersContext(request)}/calendarView`),
  );
  const events = withCalendar((target, request) => {
    rejectUnsupportedOptions(request, ['top', 'skip', 'select']);
    return listEvents(request, target.mailbox().allEvents(), `${usersContext(request)}/events`);
  });
  const single = withCalendar((target, request) => {
    rejectUnsupportedOptions(request, ['select']);
    const event = target.mailbox().event(requireOutlookId(requireParam(request, 'eventId')));
    if (!event) throw itemNotFound();
    const select = parseOutlookSelect(request, EVENT_PROPERTIES, EVENT_TYPE_NAME);
    return odataResponse(200, {
      '@odata.context': `${usersContext(request)}/events/$entity`,
      ...projectEvent(event, responseTimeZone(request), select),
    });
  });
  return asOutlookRoutes([
    { method: 'GET', path: '/v1.0/users/{id}/calendarView', kind: 'graph', handler: view },
    { method: 'GET', path: '/v1.0/users/{id}/calendar/calendarView', kind: 'graph', handler: view },
    { method: 'GET', path: '/v1.0/users/{id}/events', kind: 'graph', handler: events },
    { method: 'GET', path: '/v1.0/users/{id}/calendar/events', kind: 'graph', handler: events },
    { method: 'GET', path: '/v1.0/users/{id}/events/{eventId}', kind: 'graph', handler: single },
    {
      method: 'POST',
      path: '/v1.0/users/{id}/calendar/getSchedule',
      kind: 'graph',
      handler: (request) =>
        access.run(request, SCHEDULE_READ_PERMISSIONS, (target) =>
          getSchedule(
            target,
            request,
            `${context.urls.graphBaseUrl}/$metadata#Collection(microsoft.graph.scheduleInformation)`,
          ),
        ),
    },
  ]);
};
