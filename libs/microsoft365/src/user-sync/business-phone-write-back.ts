import { type Microsoft365User } from './microsoft365-user';

/**
 * Write-back of the PBX extension into the user's Entra `businessPhones` (issue 19, part A), the pure part: the
 * admin's template, and what to do for one user. `PATCH /users/{id}` with `{ businessPhones: [value] }` needs
 * `User-Phone.ReadWrite.All` (least privileged) or `User.ReadWrite.All`; Graph takes one business phone only:
 * https://learn.microsoft.com/en-us/graph/api/user-update (docs/graph-notes.md §3.7).
 */

/** Application permissions that let the write-back PATCH a user's phones, least privileged first. */
export const PHONE_WRITE_PERMISSIONS = [
  'User-Phone.ReadWrite.All',
  'User.ReadWrite.All',
  'Directory.ReadWrite.All',
];

/** Longest template and longest written value; a phone number with an extension fits easily. */
export const MAX_PHONE_TEMPLATE_LENGTH = 64;

const EXTENSION = '{extension}';
const DID = '{did}';
/** What a phone number may hold around the placeholder: digits, +, spaces, ( ) - . / and the x or ext marker. */
const PHONE_TEXT = /^[0-9+() .\-/]*(?:(?:x|ext\.?) ?)?$/i;

/**
 * Why a template is refused, or null: at most 64 characters, `{extension}` exactly once (or, when the PBX provides
 * DIDs, `{did}` and/or `{extension}`, each at most once), and otherwise only phone characters
 * (`+1 425 555 0100 x{extension}`, `{did}`, `{did} x{extension}`). `{did}` needs `didAvailable`: the host's
 * `PBX_DIRECTORY` must implement the optional `findDids`.
 */
export function validatePhoneTemplate(template: string, didAvailable = false): string | null {
  if (template.length === 0 || template.length > MAX_PHONE_TEMPLATE_LENGTH)
    return `must be 1 to ${MAX_PHONE_TEMPLATE_LENGTH} characters`;
  const dids = template.split(DID).length - 1;
  if (dids > 0 && !didAvailable)
    return "may not use {did}: the PBX's directory port does not provide the users' DIDs";
  if (dids > 1) return 'must contain {did} at most once';
  // {did} stands where digits go: the rest is checked as for a template without it.
  const parts = template.replace(DID, '0').split(EXTENSION);
  if (parts.length > 2 || (parts.length === 1 && dids === 0))
    return didAvailable
      ? 'must contain {extension} or {did}, each at most once'
      : 'must contain {extension} exactly once';
  const [before = '', after = ''] = parts;
  if (/[{}]/.test(before + after))
    return didAvailable
      ? 'may use no placeholder but {extension} and {did}'
      : 'may use no placeholder but {extension}';
  if (parts.length === 1)
    return /^[0-9+() .\-/]*$/.test(before)
      ? null
      : 'may hold only digits, +, spaces and ( ) - . / around {did}';
  if (!PHONE_TEXT.test(before) || !/^[0-9 ]*$/.test(after))
    return 'may hold only digits, +, spaces, ( ) - . / and an x or ext before {extension}';
  return null;
}

export function usesDid(template: string): boolean {
  return template.includes(DID);
}

/** The template filled in; null when it needs a DID the user does not have. */
export function renderPhone(template: string, extension: string, did: string | null = null): string | null {
  if (usesDid(template) && !did) return null;
  return template.replace(EXTENSION, extension).replace(DID, did ?? '');
}

/**
 * `write`: PATCH the value (the field is empty, or holds exactly what we wrote before). `remember`: Entra already
 * holds the value (our own write came back through delta, or an admin typed the same): store it as ours, write
 * nothing. `admin-typed`: another number is there; never overwritten. `no-did`: the template uses `{did}` and the
 * PBX has none for the user. null: nothing to do (no extension).
 */
export type PhoneWriteBack =
  { write: string } | { remember: string } | { skip: 'admin-typed' | 'no-did' } | null;

export function planPhoneWriteBack(
  businessPhones: readonly string[],
  extension: string | null,
  template: string,
  written: string | null,
  did: string | null = null,
): PhoneWriteBack {
  if (!extension) return null;
  const value = renderPhone(template, extension, did);
  if (value === null) return { skip: 'no-did' };
  const current = businessPhones[0] ?? null;
  if (current === value) return value === written ? null : { remember: value };
  if (current === null || current === written) return { write: value };
  return { skip: 'admin-typed' };
}

/**
 * The user as the profile mapper should see it: a business phone that is exactly what we wrote is the PBX's own
 * number coming back through delta, not Microsoft 365 data, so it changes nothing in the PBX (no update, no
 * provisioning log line, no loop).
 */
export function withoutOwnPhone(user: Microsoft365User, written: string | null): Microsoft365User {
  if (written === null || user.businessPhones[0] !== written) return user;
  return { ...user, businessPhones: user.businessPhones.slice(1) };
}
