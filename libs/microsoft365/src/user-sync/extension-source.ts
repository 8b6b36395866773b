import { type RunIssue } from '../runs/sync-run-status';
import { type Microsoft365User } from './microsoft365-user';
import { EXTENSION_PATTERN, type ExtensionRange } from './extension-range';

/**
 * Where a new user's extension comes from: `ALLOCATOR` (the first free number of the range, the default), an
 * Entra attribute (`onPremisesExtensionAttributes.extensionAttributeN`, `employeeId`) or the digits after `x` /
 * `ext` in the first business phone. Graph's user resource:
 * https://learn.microsoft.com/en-us/graph/api/resources/user (docs/graph-notes.md §3.1).
 */
export type ExtensionSource =
  'ALLOCATOR' | 'EMPLOYEE_ID' | 'BUSINESS_PHONE_EXTENSION' | `EXTENSION_ATTRIBUTE_${number}`;

export const EXTENSION_SOURCES: readonly ExtensionSource[] = [
  'ALLOCATOR',
  'EMPLOYEE_ID',
  'BUSINESS_PHONE_EXTENSION',
  ...Array.from({ length: 15 }, (_, i): ExtensionSource => `EXTENSION_ATTRIBUTE_${i + 1}`),
];

export const DEFAULT_EXTENSION_SOURCE: ExtensionSource = 'ALLOCATOR';

export function isExtensionSource(value: unknown): value is ExtensionSource {
  return typeof value === 'string' && (EXTENSION_SOURCES as readonly string[]).includes(value);
}

/** Whether the source needs `onPremisesExtensionAttributes` in the users' `$select` and delta link. */
export function readsExtensionAttributes(source: ExtensionSource): boolean {
  return source.startsWith('EXTENSION_ATTRIBUTE_');
}

/** `+1 425 555 0100 x1234`, `... ext. 1234`, `... ext1234`: the digits after the last `x` / `ext` at the end. */
const PHONE_EXTENSION = /(?:^|[\s\d,;.])(?:x|ext\.?)\s*(\d+)\s*$/i;

/** The raw value the source gives for the user (trimmed), or null when it gives none. */
export function sourceValue(user: Microsoft365User, source: ExtensionSource): string | null {
  if (source === 'ALLOCATOR') return null;
  let raw: string | null | undefined;
  if (source === 'EMPLOYEE_ID') raw = user.employeeId;
  else if (source === 'BUSINESS_PHONE_EXTENSION') {
    const phone = user.businessPhones[0];
    raw = phone ? (PHONE_EXTENSION.exec(phone)?.[1] ?? '') : null;
  } else raw = user.extensionAttributes[`extensionAttribute${source.slice('EXTENSION_ATTRIBUTE_'.length)}`];
  return raw?.trim() || null;
}

/** Why a user's source value was not used; the allocator gave the number instead. */
export type ExtensionSourceProblem = 'invalid' | 'out-of-range' | 'taken';

export interface ExtensionSourceNote {
  code: 'EXTENSION_SOURCE_INVALID' | 'EXTENSION_SOURCE_OUT_OF_RANGE' | 'EXTENSION_SOURCE_TAKEN';
  message: string;
  action: string;
}

export type ExtensionChoice = { extension: string } | { extension: null; note: ExtensionSourceNote | null };

/**
 * The extension a new user gets from the source, or why not: a value that is not 3 to 13 digits without a
 * leading zero, outside the range, used in the PBX or by another link, or claimed by an earlier user of the run
 * falls back to the allocator with a note, never a duplicate. An empty source falls back silently.
 */
export function chooseExtension(
  user: Microsoft365User,
  source: ExtensionSource,
  range: ExtensionRange,
  unavailable: ReadonlySet<string>,
): ExtensionChoice {
  const value = sourceValue(user, source);
  if (!value) return { extension: null, note: null };
  const from = sourceLabel(source);
  if (!EXTENSION_PATTERN.test(value))
    return note(
      'EXTENSION_SOURCE_INVALID',
      `${from} "${value}" is not 3 to 13 digits without a leading zero`,
    );
  if (!inRange(value, range))
    return note('EXTENSION_SOURCE_OUT_OF_RANGE', `${from} ${value} is outside the extension range`);
  if (unavailable.has(value))
    return note('EXTENSION_SOURCE_TAKEN', `${from} ${value} is already used in the PBX or by another user`);
  return { extension: value };
}

function note(code: ExtensionSourceNote['code'], why: string): ExtensionChoice {
  return {
    extension: null,
    note: {
      code,
      message: `${why}: the next free number was given instead`,
      action: 'Correct the attribute in Microsoft 365; the number stays as given (extensions are kept).',
    },
  };
}

export function inRange(value: string, range: ExtensionRange): boolean {
  const n = BigInt(value);
  return n >= BigInt(range.start) && n <= BigInt(range.end ?? '9'.repeat(range.start.length));
}

function sourceLabel(source: ExtensionSource): string {
  if (source === 'EMPLOYEE_ID') return 'employeeId';
  if (source === 'BUSINESS_PHONE_EXTENSION') return 'The extension in the first business phone';
  return `extensionAttribute${source.slice('EXTENSION_ATTRIBUTE_'.length)}`;
}

/** A run issue (severity `skip`: the user still got a number) for each new user whose source value was not used. */
export function extensionSourceIssues(
  creates: readonly { objectId: string; userPrincipalName: string; extensionNote?: ExtensionSourceNote }[],
): RunIssue[] {
  return creates.flatMap(({ objectId, userPrincipalName, extensionNote }) =>
    extensionNote ? [{ objectId, userPrincipalName, severity: 'skip' as const, ...extensionNote }] : [],
  );
}
