import { CronTime } from 'cron';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * The shortest interval between two scheduled runs. Each scheduled run pages through the whole directory (or every
 * mailbox) in Microsoft Graph, whose per-app throttling limits are per tenant
 * (https://learn.microsoft.com/en-us/graph/throttling-limits); changes in between arrive through change
 * notifications and their fallback polling (README "Real time").
 */
export const MIN_SCHEDULE_INTERVAL_MINUTES = 15;
/** A schedule must fire within this many days of being saved ("0 0 31 2 *" never does). */
const MAX_DAYS_TO_FIRST_RUN = 366;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Why a cron expression cannot be a sync schedule, or null when it can: five fields (minute hour day month
 * weekday; `cron` would also take six, with seconds), a first run within a year, and runs at least
 * `MIN_SCHEDULE_INTERVAL_MINUTES` apart.
 */
export function cronScheduleProblem(value: unknown, now: Date = new Date()): string | null {
  const format = 'must be a five-field cron expression such as "0 0 * * *" (minute hour day month weekday)';
  if (typeof value !== 'string' || value.trim().split(/\s+/).length !== 5) return format;
  let cron: CronTime;
  try {
    cron = new CronTime(value);
  } catch {
    // expected: a refused expression is the validator's answer.
    return format;
  }
  const first = nextRunAfter(cron, now);
  if (!first) return 'never runs: no date matches it (e.g. 31 February)';
  if (first.getTime() - now.getTime() > MAX_DAYS_TO_FIRST_RUN * DAY_MS) {
    return 'must run within a year; its next run is more than a year away';
  }
  const shortest = shortestGapMinutes(cron);
  if (shortest < MIN_SCHEDULE_INTERVAL_MINUTES) {
    return (
      `must not run more often than every ${MIN_SCHEDULE_INTERVAL_MINUTES} minutes: each scheduled run reads the ` +
      'whole directory from Microsoft Graph (changes in between arrive through change notifications)'
    );
  }
  return null;
}

/**
 * The shortest gap between two runs, from the minutes and hours the expression lists (`toJSON` expands them):
 * every day it runs, it runs at the same times, and the gap from a day's last run to the next day's first counts
 * too. Arithmetic instead of stepping through the runs, which costs milliseconds each.
 */
function shortestGapMinutes(cron: CronTime): number {
  const [, minutes = '*', hours = '*'] = cron.toJSON();
  const list = (field: string, size: number) =>
    field === '*' ? Array.from({ length: size }, (_, i) => i) : field.split(',').map(Number);
  const times = list(hours, 24)
    .flatMap((hour) => list(minutes, 60).map((minute) => hour * 60 + minute))
    .sort((a, b) => a - b);
  const first = times[0] ?? 0;
  return Math.min(...times.map((time, i) => (times[i + 1] ?? first + 24 * 60) - time));
}

/** The run after `from`, or null when `cron` finds none in the eight years it searches. */
function nextRunAfter(cron: CronTime, from: Date): Date | null {
  try {
    return cron.getNextDateFrom(from).toJSDate();
  } catch {
    // expected: cron throws when it finds no date in the years it searches; "never" is the answer.
    return null;
  }
}

export function isTimeZone(value: unknown): boolean {
  if (typeof value !== 'string' || value === '') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    // expected: refused input is the validator's answer.
    return false;
  }
}

export const IsCronSchedule = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isCronSchedule',
      validator: {
        validate: (value) => cronScheduleProblem(value) === null,
        defaultMessage: (args) =>
          `${args?.property ?? 'scheduleCron'} ${cronScheduleProblem(args?.value) ?? ''}`,
      },
    },
    options,
  );

export const IsTimeZone = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isTimeZone',
      validator: {
        validate: isTimeZone,
        defaultMessage: () => '$property must be an IANA time zone such as "Europe/Berlin"',
      },
    },
    options,
  );
