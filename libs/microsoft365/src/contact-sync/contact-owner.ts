import { type ContactOwnerKey } from './contact-folder.entity';
import { type PbxContactOwner } from '../ports/pbx-contacts.port';

export function ownerKey(owner: PbxContactOwner): ContactOwnerKey {
  return owner.kind === 'company' ? 'company' : `user:${owner.userId}`;
}

export function ownerOf(key: ContactOwnerKey): PbxContactOwner {
  return key === 'company' ? { kind: 'company' } : { kind: 'user', userId: key.slice('user:'.length) };
}

/** Identifies one synced mailbox of one owner. */
export function mailboxKey(owner: ContactOwnerKey, mailboxId: string): string {
  return `${owner}|${mailboxId}`;
}

export function parseMailboxKey(key: string): { owner: ContactOwnerKey; mailboxId: string } {
  const at = key.lastIndexOf('|');
  return { owner: key.slice(0, at) as ContactOwnerKey, mailboxId: key.slice(at + 1) };
}
