/** freeBusyStatus (docs/graph-notes.md §8). */
export const FREE_BUSY_STATUSES = [
  'free',
  'tentative',
  'busy',
  'oof',
  'workingElsewhere',
  'unknown',
] as const;
export type FreeBusyStatus = (typeof FREE_BUSY_STATUSES)[number];

export interface CalendarEventFields {
  subject: string;
  /** UTC instants; all-day events span whole days in the mailbox time zone. */
  startMs: number;
  endMs: number;
  showAs: FreeBusyStatus;
  isAllDay: boolean;
  isCancelled: boolean;
  location: string | null;
}

export class CalendarEvent {
  version = 1;

  constructor(
    readonly id: string,
    readonly ordinal: number,
    public fields: CalendarEventFields,
    readonly createdDateTime: string,
    public lastModifiedDateTime: string,
    public changeKey: string,
  ) {}
}
