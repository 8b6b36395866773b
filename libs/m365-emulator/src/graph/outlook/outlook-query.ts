import { isOutlookId } from '../../core/outlook-id';
import { idMalformed, invalidUrlQuery } from './outlook.errors';
import { queryOption, type EmulatorRequest } from '../../http/emulator-request';

/** Outlook lists return 10 items without $top (docs/graph-notes.md §7). */
export const OUTLOOK_DEFAULT_PAGE_SIZE = 10;
/** Commonly cited maximum $top for Outlook collections (not verified, docs/graph-notes.md §7). */
export const OUTLOOK_MAX_TOP = 1000;

function preferences(request: EmulatorRequest): string[] {
  return (request.headers['prefer'] ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** Prefer: odata.maxpagesize=N (undefined when absent or not a positive integer). */
export function preferredMaxPageSize(request: EmulatorRequest): number | undefined {
  for (const preference of preferences(request)) {
    const match = /^odata\.maxpagesize\s*=\s*"?(\d+)"?$/i.exec(preference);
    if (match) {
      const size = Number(match[1]);
      return size > 0 ? size : undefined;
    }
  }
  return undefined;
}

/** Prefer: outlook.timezone="Pacific Standard Time" (docs/graph-notes.md §8). */
export function preferredTimeZone(request: EmulatorRequest): string | undefined {
  for (const preference of preferences(request)) {
    const match = /^outlook\.timezone\s*=\s*"?([^"]+)"?$/i.exec(preference);
    if (match?.[1]) return match[1].trim();
  }
  return undefined;
}

export function requireOutlookId(value: string): string {
  if (!isOutlookId(value)) throw idMalformed();
  return value;
}

export function parseOutlookSelect(
  request: EmulatorRequest,
  properties: readonly string[],
  typeName: string,
): string[] | undefined {
  const raw = queryOption(request, 'select');
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw.split(',').map((item) => {
    const name = item.trim();
    const known = properties.find((property) => property.toLowerCase() === name.toLowerCase());
    if (!known) throw invalidUrlQuery(`Could not find a property named '${name}' on type '${typeName}'.`);
    return known;
  });
}

/** The emulator implements a subset of Outlook's OData options; anything else is refused, never ignored. */
export function rejectUnsupportedOptions(request: EmulatorRequest, supported: readonly string[]): void {
  for (const key of request.url.searchParams.keys()) {
    const name = key.replace(/^\$/, '').toLowerCase();
    if (!supported.includes(name))
      throw invalidUrlQuery(
        `The query parameter '${key}' is not supported by the m365-emulator for this resource.`,
      );
  }
}

export interface OutlookPage<T> {
  readonly items: T[];
  readonly nextLink: string | undefined;
  readonly headers: Record<string, string>;
}

/**
 * $top/$skip paging with an absolute @odata.nextLink carrying $skip, as Outlook pages its collections.
 * Prefer: odata.maxpagesize caps the page when $top is absent and is echoed in Preference-Applied.
 */
export function pageOutlookCollection<T>(request: EmulatorRequest, items: readonly T[]): OutlookPage<T> {
  const topRaw = queryOption(request, 'top');
  const skipRaw = queryOption(request, 'skip');
  const top = topRaw === undefined ? undefined : Number(topRaw);
  const skip = skipRaw === undefined ? 0 : Number(skipRaw);
  if (top !== undefined && (!Number.isInteger(top) || top < 1 || top > OUTLOOK_MAX_TOP))
    throw invalidUrlQuery(
      `Invalid $top value '${topRaw ?? ''}'. It must be between 1 and ${OUTLOOK_MAX_TOP}.`,
    );
  if (!Number.isInteger(skip) || skip < 0) throw invalidUrlQuery(`Invalid $skip value '${skipRaw ?? ''}'.`);
  const preferred = preferredMaxPageSize(request);
  const headers: Record<string, string> = {};
  let size = top ?? OUTLOOK_DEFAULT_PAGE_SIZE;
  if (top === undefined && preferred !== undefined) {
    size = Math.min(preferred, OUTLOOK_MAX_TOP);
    headers['preference-applied'] = `odata.maxpagesize=${size}`;
  }
  const page = items.slice(skip, skip + size);
  let nextLink: string | undefined;
  if (skip + size < items.length) {
    const pairs = request.url.search
      .slice(1)
      .split('&')
      .filter((pair) => pair !== '' && !/^(\$|%24)?skip=/i.test(pair));
    pairs.push(`$skip=${skip + size}`);
    nextLink = `${request.url.origin}${request.url.pathname}?${pairs.join('&')}`;
  }
  return { items: page, nextLink, headers };
}
