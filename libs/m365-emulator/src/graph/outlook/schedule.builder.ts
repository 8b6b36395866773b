import type { ResponseTimeZone } from './event.resource';
import { dateTimeTimeZone } from './event.resource';
import { workingHours } from './mailbox-settings.routes';
import type { CalendarEvent, FreeBusyStatus } from '../../state/mailbox/calendar-event';

/**
 * availabilityView digits; working elsewhere reads as free "for backward compatibility" (docs/graph-notes.md
 * §8).
 */
const VIEW_DIGIT: Readonly<Record<FreeBusyStatus, number>> = {
  free: 0,
  workingElsewhere: 0,
  unknown: 0,
  tentative: 1,
  busy: 2,
  oof: 3,
};

export interface ScheduleWindow {
  readonly startMs: number;
  readonly endMs: number;
  readonly intervalMinutes: number;
}

/** One scheduleInformation entry computed from a mailbox's events on the emulator clock. */
export function buildScheduleInformation(
  scheduleId: string,
  events: readonly CalendarEvent[],
  window: ScheduleWindow,
  timeZone: ResponseTimeZone,
  mailboxTimeZone: string,
): Record<string, unknown> {
  const relevant = events
    .filter((event) => !event.fields.isCancelled)
    .filter((event) => event.fields.startMs < window.endMs && event.fields.endMs > window.startMs)
    .sort((a, b) => a.fields.startMs - b.fields.startMs || a.ordinal - b.ordinal);
  const slotMs = window.intervalMinutes * 60_000;
  const slots = Math.ceil((window.endMs - window.startMs) / slotMs);
  let availabilityView = '';
  for (let slot = 0; slot < slots; slot++) {
    const from = window.startMs + slot * slotMs;
    const to = Math.min(window.endMs, from + slotMs);
    let digit = 0;
    for (const event of relevant) {
      if (event.fields.startMs < to && event.fields.endMs > from)
        digit = Math.max(digit, VIEW_DIGIT[event.fields.showAs]);
    }
    availabilityView += String(digit);
  }
  return {
    scheduleId,
    availabilityView,
    scheduleItems: relevant.map((event) => ({
      isPrivate: false,
      status: event.fields.showAs,
      subject: event.fields.subject,
      location: event.fields.location ?? '',
      start: dateTimeTimeZone(event.fields.startMs, timeZone),
      end: dateTimeTimeZone(event.fields.endMs, timeZone),
    })),
    workingHours: workingHours(mailboxTimeZone),
  };
}
