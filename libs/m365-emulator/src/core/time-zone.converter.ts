/**
 * Outlook accepts Windows time zone names ("Pacific Standard Time") and IANA names in dateTimeTimeZone values
 * and in Prefer: outlook.timezone (docs/graph-notes.md §8). The emulator maps the common Windows names to
 * IANA zones and converts with Intl; unknown names are rejected by the callers.
 */
const WINDOWS_TO_IANA: Readonly<Record<string, string>> = {
  utc: 'UTC',
  'coordinated universal time': 'UTC',
  'gmt standard time': 'Europe/London',
  'greenwich standard time': 'Atlantic/Reykjavik',
  'w. europe standard time': 'Europe/Berlin',
  'central europe standard time': 'Europe/Budapest',
  'central european standard time': 'Europe/Warsaw',
  'romance standard time': 'Europe/Paris',
  'e. europe standard time': 'Europe/Chisinau',
  'fle standard time': 'Europe/Kiev',
  'gtb standard time': 'Europe/Bucharest',
  'russian standard time': 'Europe/Moscow',
  'pacific standard time': 'America/Los_Angeles',
  'mountain standard time': 'America/Denver',
  'central standard time': 'America/Chicago',
  'eastern standard time': 'America/New_York',
  'atlantic standard time': 'America/Halifax',
  'tokyo standard time': 'Asia/Tokyo',
  'china standard time': 'Asia/Shanghai',
  'india standard time': 'Asia/Kolkata',
  'singapore standard time': 'Asia/Singapore',
  'aus eastern standard time': 'Australia/Sydney',
  'new zealand standard time': 'Pacific/Auckland',
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, format);
  }
  return format;
}

/** IANA zone for a Windows or IANA name; undefined when unknown. */
export function resolveTimeZone(name: string): string | undefined {
  const mapped = WINDOWS_TO_IANA[name.trim().toLowerCase()];
  if (mapped) return mapped;
  try {
    formatter(name.trim());
    return name.trim();
  } catch {
    return undefined;
  }
}

function localParts(ms: number, zone: string): number[] {
  const parts = formatter(zone).formatToParts(new Date(ms));
  const value = (type: string): number => Number(parts.find((part) => part.type === type)?.value ?? 0);
  return [value('year'), value('month'), value('day'), value('hour'), value('minute'), value('second')];
}

function offsetMs(ms: number, zone: string): number {
  const [year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0] = localParts(ms, zone);
  return Date.UTC(year, month - 1, day, hour, minute, second) - (ms - (ms % 1000));
}

/** "2019-03-15T12:00:00.0000000", the Outlook wall-clock format. */
export function toOutlookDateTime(ms: number, zone: string): string {
  const [year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0] = localParts(ms, zone);
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}.0000000`;
}

const LOCAL_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/;

/**
 * Instant of a wall-clock time in a zone. Values carrying their own offset ("Z", "+02:00") are taken as is.
 * Returns undefined for unparsable input.
 */
export function fromOutlookDateTime(dateTime: string, zone: string): number | undefined {
  const text = dateTime.trim();
  if (/(Z|[+-]\d{2}:?\d{2})$/i.test(text) && text.includes('T')) {
    const parsed = Date.parse(text);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  const match = LOCAL_PATTERN.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0'] = match;
  const guess = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  const first = guess - offsetMs(guess, zone);
  return guess - offsetMs(first, zone);
}
