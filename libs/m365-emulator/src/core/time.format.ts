/** Entra error timestamps look like "2016-01-09 02:02:12Z" (docs/graph-notes.md §1.1). */
export function entraTimestamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** Graph innerError dates look like "2020-08-18T12:51:51" (docs/graph-notes.md §6). */
export function graphInnerErrorDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '');
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
