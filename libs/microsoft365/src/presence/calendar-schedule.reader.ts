import { Injectable } from '@nestjs/common';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { GraphApi, type GraphTarget } from '../graph/graph-api.service';
import { GraphConcurrency } from '../graph/graph-concurrency.service';
import { type ScheduleItem } from './calendar-presence.machine';

/** getSchedule takes at most 20 mailboxes per call (docs/graph-notes.md §8). */
export const SCHEDULES_PER_CALL = 20;

interface ScheduleInformation {
  scheduleId: string;
  error?: { message?: string; responseCode?: string };
  scheduleItems?: { status: string; start: { dateTime: string }; end: { dateTime: string } }[];
}

/**
 * Reads free/busy with `getSchedule`, 20 mailboxes per call. Each call goes to the first mailbox of its batch, so
 * Outlook's per-mailbox limits (4 concurrent, 10,000 per 10 minutes) are spread over the tenant; the calls run side
 * by side as the tenant's adaptive limiter allows, never more than 4 at once to one mailbox (docs/graph-notes.md §6).
 */
@Injectable()
export class CalendarScheduleReader {
  constructor(
    private readonly graph: GraphApi,
    private readonly concurrency: GraphConcurrency,
  ) {}

  /** Items per address (lower-cased); an address Graph could not resolve is left out. */
  async read(
    target: GraphTarget,
    addresses: string[],
    from: Date,
    to: Date,
  ): Promise<{ items: Map<string, ScheduleItem[]>; failed: number; lastError: string | null }> {
    const items = new Map<string, ScheduleItem[]>();
    let failed = 0;
    let lastError: string | null = null;
    const batches: string[][] = [];
    for (let start = 0; start < addresses.length; start += SCHEDULES_PER_CALL) {
      batches.push(addresses.slice(start, start + SCHEDULES_PER_CALL));
    }
    const limiter = this.concurrency.limiter(target.pbxTenantId, 'calendars');
    const read = async (batch: string[]): Promise<void> => {
      const mailbox = batch[0] ?? '';
      try {
        const answer = await this.graph.post<{ value: ScheduleInformation[] }>(
          target,
          `/users/${encodeURIComponent(mailbox)}/calendar/getSchedule`,
          {
            schedules: batch,
            startTime: { dateTime: graphDateTime(from), timeZone: 'UTC' },
            endTime: { dateTime: graphDateTime(to), timeZone: 'UTC' },
            availabilityViewInterval: 15,
          },
          { Prefer: 'outlook.timezone="UTC"' },
        );
        for (const info of answer.value) {
          if (info.error) {
            failed++;
            continue;
          }
          items.set(
            info.scheduleId.toLowerCase(),
            (info.scheduleItems ?? []).map((item) => ({
              status: item.status,
              start: parseUtc(item.start.dateTime),
              end: parseUtc(item.end.dateTime),
            })),
          );
        }
      } catch (error) {
        // One failing batch (a mailbox throttled, a licence missing) must not stop the others.
        if (!(error instanceof Microsoft365Exception)) throw error;
        failed += batch.length;
        lastError = `${error.code}: ${error.message}`;
      }
    };
    await Promise.all(
      batches.map((batch) => limiter.run(() => read(batch), [batch[0]?.toLowerCase() ?? ''])),
    );
    return { items, failed, lastError };
  }
}

function graphDateTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '');
}

/** With `Prefer: outlook.timezone="UTC"` Graph writes UTC times without an offset. */
function parseUtc(dateTime: string): Date {
  return new Date(/[zZ]|[+-]\d\d:\d\d$/.test(dateTime) ? dateTime : `${dateTime}Z`);
}
