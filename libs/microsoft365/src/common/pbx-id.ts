import { Matches } from 'class-validator';

/**
 * Ids the host chooses for its tenants, users and administrators are opaque to the module: numeric ids, slugs and
 * UUIDs alike. They travel in URL paths (`/microsoft365/tenants/{id}/...`), so an id is 1–128 characters that a
 * path segment carries without encoding (RFC 3986 `pchar`: letters, digits and `-._~!$&'()*+,;=:@`). The tenant id
 * `system` is reserved for the system-level configuration.
 */
export const PBX_ID_PATTERN = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]{1,128}$/;

export function isPbxId(value: unknown): value is string {
  return typeof value === 'string' && PBX_ID_PATTERN.test(value);
}

/** Validates a host id in a request body, with the reason an admin can act on. */
export function IsPbxId(what: string): PropertyDecorator {
  return Matches(PBX_ID_PATTERN, {
    message: `$property must be the id of ${what}: 1 to 128 letters, digits or -._~!$&'()*+,;=:@`,
  });
}
