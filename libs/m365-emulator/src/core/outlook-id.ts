import { createHash } from 'node:crypto';

/** Outlook item ids are long opaque base64url strings ending in "=" (e.g. "AAMkAGVmMDEz...AAA="). */
const OUTLOOK_ID_PATTERN = /^AAMkA[A-Za-z0-9_-]{20,}=*$/;

/** Deterministic Outlook-shaped id for the n-th item of one mailbox. */
export function outlookId(mailboxOwnerId: string, ordinal: number): string {
  const digest = createHash('sha256').update(`${mailboxOwnerId}#${ordinal}`).digest();
  return `AAMkA${digest.toString('base64url')}AAA=`;
}

export function isOutlookId(value: string): boolean {
  return OUTLOOK_ID_PATTERN.test(value);
}

/** Outlook change keys change with every edit of an item. */
export function outlookChangeKey(itemId: string, version: number): string {
  const digest = createHash('sha1').update(`${itemId}@${version}`).digest('base64');
  return `EQAAABYAAAA${digest.slice(0, 16)}`;
}
