import { outlookChangeKey, outlookId } from '../../core/outlook-id';
import { CalendarEvent, type CalendarEventFields } from './calendar-event';
import { ContactFolder } from './contact-folder';
import { DraftMessage, type MailMessageFields } from './mail-message';
import { MailboxContact, type ContactFields } from './mailbox-contact';
import type { ResourceChange } from '../resource-change.bus';

export type MailboxChange = Omit<ResourceChange, 'userId'>;

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * One user's Exchange mailbox: contact folders (the default "Contacts" folder and a tree below it), contacts,
 * calendar events and drafts. Every contact change gets a mailbox-wide sequence number that the per-folder
 * delta uses; while populating seeded content nothing is announced to subscribers.
 */
export class Mailbox {
  readonly rootFolderId: string;
  readonly defaultFolder: ContactFolder;
  readonly drafts = new Map<string, DraftMessage>();
  private readonly folders = new Map<string, ContactFolder>();
  private readonly contacts = new Map<string, MailboxContact>();
  private readonly events: CalendarEvent[] = [];
  private nextOrdinal = 1;
  private seq = 0;
  /** Folder changes have their own sequence: a contact change leaves the folder deltaLink as it was. */
  private folderSeq = 0;
  /** Deleted folder id -> folder sequence of the deletion (contactFolders/delta reports @removed). */
  private readonly folderTombstones = new Map<string, number>();
  private silent = false;

  constructor(
    readonly userId: string,
    private readonly announce: (change: MailboxChange) => void,
  ) {
    this.rootFolderId = this.newId();
    this.defaultFolder = new ContactFolder(this.newId(), this.nextOrdinal, 'Contacts', this.rootFolderId);
    this.folders.set(this.defaultFolder.id, this.defaultFolder);
  }

  /** Current contact sequence number (the high-water mark a deltaLink stores). */
  get currentSeq(): number {
    return this.seq;
  }

  /** Current folder sequence number (the high-water mark a contactFolders/delta deltaLink stores). */
  get currentFolderSeq(): number {
    return this.folderSeq;
  }

  get contactCount(): number {
    return this.contacts.size;
  }

  /** Seeded content is the mailbox's starting state, not a change. */
  populate(fill: () => void): void {
    this.silent = true;
    try {
      fill();
    } finally {
      this.silent = false;
    }
  }

  // ---- contact folders --------------------------------------------------------------------------

  folder(id: string): ContactFolder | undefined {
    return this.folders.get(id);
  }

  allFolders(): ContactFolder[] {
    return [...this.folders.values()];
  }

  childFolders(parentId: string): ContactFolder[] {
    return this.allFolders().filter((folder) => folder.parentFolderId === parentId);
  }

  /** Folders deleted after the given folder sequence, with the sequence of their deletion. */
  deletedFoldersAfter(afterSeq: number, uptoSeq: number): { id: string; seq: number }[] {
    return [...this.folderTombstones]
      .filter(([, seq]) => seq > afterSeq && seq <= uptoSeq)
      .map(([id, seq]) => ({ id, seq }));
  }

  addFolder(displayName: string, parentId: string = this.defaultFolder.id): ContactFolder {
    const parent = this.requireFolder(parentId);
    if (this.childFolders(parent.id).some((f) => f.displayName.toLowerCase() === displayName.toLowerCase()))
      throw new Error(`A folder named ${displayName} already exists below ${parent.displayName}`);
    const id = this.newId();
    const folder = new ContactFolder(id, this.nextOrdinal, displayName, parent.id);
    folder.lastChangeSeq = ++this.folderSeq;
    this.folders.set(id, folder);
    return folder;
  }

  renameFolder(id: string, displayName: string): ContactFolder {
    const folder = this.requireFolder(id);
    folder.displayName = displayName;
    folder.lastChangeSeq = ++this.folderSeq;
    return folder;
  }

  /** Deletes the folder, its child folders at any depth and every contact in them. */
  deleteFolder(id: string, now: number): number {
    const folder = this.requireFolder(id);
    if (folder === this.defaultFolder) throw new Error('The default Contacts folder cannot be deleted');
    let removed = 0;
    for (const child of this.childFolders(folder.id)) removed += this.deleteFolder(child.id, now);
    for (const contact of [...folder.contacts]) {
      this.deleteContact(contact.id, now);
      removed += 1;
    }
    this.folders.delete(folder.id);
    this.folderTombstones.set(folder.id, ++this.folderSeq);
    return removed;
  }

  // ---- contacts ---------------------------------------------------------------------------------

  contact(id: string): MailboxContact | undefined {
    return this.contacts.get(id);
  }

  addContact(folderId: string, fields: ContactFields, now: number): MailboxContact {
    const folder = this.requireFolder(folderId);
    const id = this.newId();
    const stamp = isoSeconds(now);
    const contact = new MailboxContact(
      id,
      this.nextOrdinal,
      folder.id,
      fields,
      stamp,
      stamp,
      outlookChangeKey(id, 1),
    );
    this.contacts.set(id, contact);
    folder.contacts.push(contact);
    this.recordContactChange(folder, contact, 'created');
    return contact;
  }

  updateContact(id: string, changes: Partial<ContactFields>, now: number): MailboxContact {
    const contact = this.requireContact(id);
    contact.fields = { ...contact.fields, ...changes };
    contact.version += 1;
    contact.changeKey = outlookChangeKey(id, contact.version);
    contact.lastModifiedDateTime = isoSeconds(now);
    this.recordContactChange(this.requireFolder(contact.folderId), contact, 'updated');
    return contact;
  }

  deleteContact(id: string, _now: number): void {
    const contact = this.requireContact(id);
    const folder = this.requireFolder(contact.folderId);
    this.contacts.delete(id);
    folder.contacts.splice(folder.contacts.indexOf(contact), 1);
    this.seq += 1;
    folder.changes.record(this.seq, id);
    folder.tombstones.set(id, this.seq);
    this.emit({ kind: 'contact', changeType: 'deleted', id, folderId: folder.id });
  }

  // ---- events -----------------------------------------------------------------------------------

  allEvents(): readonly CalendarEvent[] {
    return this.events;
  }

  event(id: string): CalendarEvent | undefined {
    return this.events.find((candidate) => candidate.id === id);
  }

  addEvent(fields: CalendarEventFields, now: number): CalendarEvent {
    const id = this.newId();
    const stamp = isoSeconds(now);
    const event = new CalendarEvent(id, this.nextOrdinal, fields, stamp, stamp, outlookChangeKey(id, 1));
    this.events.push(event);
    this.emit({ kind: 'event', changeType: 'created', id, changeKey: event.changeKey });
    return event;
  }

  updateEvent(id: string, changes: Partial<CalendarEventFields>, now: number): CalendarEvent {
    const event = this.event(id);
    if (!event) throw new Error(`Event ${id} not found`);
    event.fields = { ...event.fields, ...changes };
    event.version += 1;
    event.changeKey = outlookChangeKey(id, event.version);
    event.lastModifiedDateTime = isoSeconds(now);
    this.emit({ kind: 'event', changeType: 'updated', id, changeKey: event.changeKey });
    return event;
  }

  deleteEvent(id: string): void {
    const index = this.events.findIndex((candidate) => candidate.id === id);
    if (index < 0) throw new Error(`Event ${id} not found`);
    this.events.splice(index, 1);
    this.emit({ kind: 'event', changeType: 'deleted', id });
  }

  // ---- drafts -----------------------------------------------------------------------------------

  addDraft(fields: MailMessageFields, now: number): DraftMessage {
    const id = this.newId();
    const stamp = isoSeconds(now);
    const draft = new DraftMessage(id, fields, stamp, stamp, outlookChangeKey(id, 1));
    this.drafts.set(id, draft);
    return draft;
  }

  /** Ids for attachments come from the same sequence as every other item of the mailbox. */
  newItemId(): string {
    return this.newId();
  }

  private recordContactChange(
    folder: ContactFolder,
    contact: MailboxContact,
    changeType: 'created' | 'updated',
  ): void {
    this.seq += 1;
    contact.lastChangeSeq = this.seq;
    folder.changes.record(this.seq, contact.id);
    this.emit({
      kind: 'contact',
      changeType,
      id: contact.id,
      folderId: folder.id,
      changeKey: contact.changeKey,
    });
  }

  private emit(change: MailboxChange): void {
    if (!this.silent) this.announce(change);
  }

  private requireFolder(id: string): ContactFolder {
    const folder = this.folders.get(id);
    if (!folder) throw new Error(`Contact folder ${id} not found`);
    return folder;
  }

  private requireContact(id: string): MailboxContact {
    const contact = this.contacts.get(id);
    if (!contact) throw new Error(`Contact ${id} not found`);
    return contact;
  }

  private newId(): string {
    return outlookId(this.userId, this.nextOrdinal++);
  }
}
