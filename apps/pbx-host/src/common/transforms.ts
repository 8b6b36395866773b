import { Transform } from 'class-transformer';

/**
 * Transforms run before validation and see raw input of any type: they change strings only and leave anything
 * else as it is, for the validators to refuse with a proper reason.
 */
export const Trim = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

export const TrimLowerCase = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toLowerCase() : value,
  );

/** The canonical spelling of an IANA time zone (`europe/berlin` → `Europe/Berlin`), or undefined if unknown. */
export function canonicalTimeZone(value: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

export const CanonicalTimeZone = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? (canonicalTimeZone(value.trim()) ?? value) : value,
  );
