import { ItemChangeLog } from './item-change.log';
import type { MailboxContact } from './mailbox-contact';

/** A contact folder with its contacts in creation order and the change log its delta walks. */
export class ContactFolder {
  readonly contacts: MailboxContact[] = [];
  readonly changes = new ItemChangeLog();
  /** Deleted contact id -> sequence of the deletion (delta reports @removed). */
  readonly tombstones = new Map<string, number>();
  /** Folder sequence of the folder's creation or last rename (contactFolders/delta reports it after that). */
  lastChangeSeq = 0;

  constructor(
    readonly id: string,
    readonly ordinal: number,
    public displayName: string,
    readonly parentFolderId: string,
  ) {}
}
