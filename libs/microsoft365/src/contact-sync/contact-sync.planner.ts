import { type PbxContact } from '../ports/pbx-contacts.port';
import { type OutlookContact, type OutlookContactEntry } from './outlook-contact';
import { SelectionMode, normaliseDepartment } from '../user-sync/user-scope';

/** What one page of a folder's delta does to the owner's PBX contacts. */
export interface FolderPagePlan {
  upserts: PbxContact[];
  /** External ids to delete in the PBX. */
  deletes: string[];
  /** Outlook ids now in the folder, and ids gone from it (for our own per-folder bookkeeping). */
  presentIds: string[];
  goneIds: string[];
}

export interface ContactScope {
  selectionMode: SelectionMode;
  /** Lower-cased UPNs and object ids. */
  selectedUsers: ReadonlySet<string>;
  /** Normalised department names; empty = every department. */
  departments: ReadonlySet<string>;
}

export interface ScopeCandidate {
  objectId: string;
  userPrincipalName: string | null;
  /** undefined when the department is not needed (no department filter). */
  department?: string | null;
}

export type ContactScopeVerdict =
  { inScope: true } | { inScope: false; reason: 'not-selected' | 'excluded' | 'department' };

/**
 * The stable external id of a synced contact: the mailbox's immutable object id and Outlook's contact id. Outlook
 * ids never contain `:` (base64 and GUID alphabets), so the mailbox part can be recovered for clean-ups.
 */
export function externalIdOf(mailboxId: string, contactId: string): string {
  return `${mailboxId}:${contactId}`;
}

export function mailboxPrefix(mailboxId: string): string {
  return `${mailboxId}:`;
}

/**
 * Plans one delta page. Outlook may return an item more than once in a round; the last occurrence is its current
 * state.
 */
export function planFolderPage(mailboxId: string, entries: readonly OutlookContactEntry[]): FolderPagePlan {
  const latest = new Map(entries.map((entry) => [entry.id, entry]));
  const plan: FolderPagePlan = { upserts: [], deletes: [], presentIds: [], goneIds: [] };
  for (const entry of latest.values()) {
    if ('removed' in entry) {
      plan.deletes.push(externalIdOf(mailboxId, entry.id));
      plan.goneIds.push(entry.id);
    } else {
      plan.upserts.push(toPbxContact(mailboxId, entry));
      plan.presentIds.push(entry.id);
    }
  }
  return plan;
}

/** An Outlook contact as a PBX contact: empty strings become null, phones and addresses are de-duplicated. */
export function toPbxContact(mailboxId: string, contact: OutlookContact): PbxContact {
  const firstName = clean(contact.givenName);
  const lastName = clean(contact.surname);
  const company = clean(contact.companyName);
  const emailAddresses = distinctCleaned(contact.emailAddresses, (e) => e.address);
  const displayName =
    clean(contact.displayName) ??
    (firstName || lastName ? [firstName, lastName].filter(Boolean).join(' ') : null) ??
    company ??
    emailAddresses[0] ??
    clean(contact.mobilePhone) ??
    clean(contact.businessPhones[0]) ??
    '(no name)';
  return {
    externalId: externalIdOf(mailboxId, contact.id),
    displayName,
    firstName,
    lastName,
    company,
    jobTitle: clean(contact.jobTitle),
    businessPhones: distinctCleaned(contact.businessPhones, (phone) => phone),
    homePhones: distinctCleaned(contact.homePhones, (phone) => phone),
    mobilePhone: clean(contact.mobilePhone),
    emailAddresses,
  };
}

/** Folders to start syncing and folders gone from the mailbox (their contacts are deleted). */
export function planFolders(
  listed: readonly string[],
  stored: readonly string[],
): { added: string[]; removed: string[] } {
  const listedSet = new Set(listed);
  const storedSet = new Set(stored);
  return {
    added: listed.filter((id) => !storedSet.has(id)),
    removed: stored.filter((id) => !listedSet.has(id)),
  };
}

/** Whether a synced user's personal contacts are synced, as PortSIP's `personal_contacts` selection. */
export function evaluateContactScope(user: ScopeCandidate, scope: ContactScope): ContactScopeVerdict {
  const selected =
    scope.selectedUsers.has(user.objectId.toLowerCase()) ||
    (user.userPrincipalName !== null && scope.selectedUsers.has(user.userPrincipalName.toLowerCase()));
  if (scope.selectionMode === SelectionMode.Include && !selected)
    return { inScope: false, reason: 'not-selected' };
  if (scope.selectionMode === SelectionMode.Exclude && selected)
    return { inScope: false, reason: 'excluded' };
  if (scope.departments.size > 0 && !scope.departments.has(normaliseDepartment(user.department ?? null))) {
    return { inScope: false, reason: 'department' };
  }
  return { inScope: true };
}

/** Mailboxes synced before (owner + mailbox keys) that the current run no longer syncs. */
export function planRemovedMailboxes(
  desired: ReadonlySet<string>,
  stored: readonly string[],
  protectedKeys: ReadonlySet<string> = new Set(),
): string[] {
  return stored.filter((key) => !desired.has(key) && !protectedKeys.has(key));
}

function clean(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

/**
 * The cleaned values, without empties and repeats, in their first order. Outlook holds at most 3 e-mail addresses
 * and 2 phones of a kind per contact: a linear search beats a Set for every contact of a full run.
 */
function distinctCleaned<T>(items: readonly T[], value: (item: T) => string | null | undefined): string[] {
  if (items.length > 16) {
    return [...new Set(items.map((item) => clean(value(item))).filter((v): v is string => v !== null))];
  }
  const result: string[] = [];
  for (const item of items) {
    const cleaned = clean(value(item));
    if (cleaned !== null && !result.includes(cleaned)) result.push(cleaned);
  }
  return result;
}
