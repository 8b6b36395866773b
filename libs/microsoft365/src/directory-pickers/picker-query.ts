import { invalidField } from '../common/invalid-input';

/** What a picker lists; a cursor of one kind is refused by another. */
export type PickerKind = 'users' | 'groups';

/** Longest search text a picker takes: a name or an address prefix, never a whole query language. */
export const PICKER_QUERY_MAX_LENGTH = 100;
/** Microsoft's maximum page size of `/users` and `/groups` (docs/graph-notes.md §3.1). */
export const PICKER_MAX_PAGE_SIZE = 999;
export const PICKER_DEFAULT_PAGE_SIZE = 25;
/** Longest cursor accepted; Graph's skiptokens are a few hundred characters. */
export const PICKER_CURSOR_MAX_LENGTH = 4096;

/** The properties each picker searches (each a clause of one `$search` joined by OR). */
const SEARCHED: Record<PickerKind, readonly string[]> = {
  users: ['displayName', 'mail', 'userPrincipalName'],
  groups: ['displayName', 'mail'],
};

/** Control characters cannot be typed into a picker and have no place in a name; anything else may be searched. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The search text, trimmed; 400 naming `q` when it is empty, too long or holds control characters. */
export function pickerQuery(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text.length === 0) throw invalidField('q', 'q must not be empty; leave it out to list everything');
  if (text.length > PICKER_QUERY_MAX_LENGTH) {
    throw invalidField('q', `q must be at most ${PICKER_QUERY_MAX_LENGTH} characters`);
  }
  if (CONTROL.test(text)) throw invalidField('q', 'q must not contain control characters');
  return text;
}

/**
 * `$search` of a picker: `"displayName:foo" OR "mail:foo" ...`. Inside a clause a double quote or a backslash is
 * escaped with a backslash, as Microsoft documents
 * (https://learn.microsoft.com/en-us/graph/search-query-parameter#using-search-on-directory-object-collections);
 * the caller URL-encodes the whole expression.
 */
export function searchExpression(kind: PickerKind, text: string): string {
  const escaped = text.replace(/[\\"]/g, (char) => `\\${char}`);
  return SEARCHED[kind].map((property) => `"${property}:${escaped}"`).join(' OR ');
}

/** `$filter` of the department picker: an OData string literal doubles its single quotes. */
export function departmentFilter(text: string | undefined): string {
  return text === undefined ? 'department ne null' : `startswith(department,'${text.replace(/'/g, "''")}')`;
}

/** What a cursor carries: the search it continues and Graph's skiptoken; never a URL. */
export interface PickerCursor {
  kind: PickerKind;
  q?: string;
  top: number;
  skipToken: string;
}

/**
 * Opaque to the client: only Graph's `$skiptoken` travels, with the search it belongs to, and the next page is
 * built from the tenant's own Graph base URL. Echoing `@odata.nextLink` would let a client make the PBX call any
 * host with the tenant's token.
 */
export function encodeCursor(cursor: PickerCursor): string {
  return Buffer.from(
    JSON.stringify({ v: 1, k: cursor.kind, q: cursor.q, t: cursor.top, s: cursor.skipToken }),
  ).toString('base64url');
}

export function decodeCursor(raw: string, kind: PickerKind): PickerCursor {
  const refused = () => invalidField('cursor', 'cursor must be a cursor this picker answered; start again');
  if (raw.length > PICKER_CURSOR_MAX_LENGTH || !/^[A-Za-z0-9_-]+$/.test(raw)) throw refused();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    // expected: not JSON is not one of our cursors; the 400 says so.
    throw refused();
  }
  const fields = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const { v, k, q, t, s } = fields;
  if (
    v !== 1 ||
    k !== kind ||
    (q !== undefined && typeof q !== 'string') ||
    typeof t !== 'number' ||
    !Number.isInteger(t) ||
    t < 1 ||
    t > PICKER_MAX_PAGE_SIZE ||
    typeof s !== 'string' ||
    s.length === 0
  ) {
    throw refused();
  }
  return { kind, ...(q === undefined ? {} : { q: pickerQuery(q) }), top: t, skipToken: s };
}

/** Graph's skiptoken from an `@odata.nextLink`; the rest of the link is not trusted. */
export function skipTokenOf(nextLink: string | undefined): string | undefined {
  if (!nextLink) return undefined;
  try {
    const url = new URL(nextLink);
    for (const [key, value] of url.searchParams) {
      if (key.toLowerCase() === '$skiptoken' && value) return value;
    }
  } catch {
    // expected: a relative or malformed link carries no token we can use; the caller reports no next page.
  }
  return undefined;
}
