import type { EmulatorClock } from '../core/emulator.clock';
import { fromOutlookDateTime, resolveTimeZone } from '../core/time-zone.converter';
import { ControlError } from './control.error';
import type {
  ContactFolderInfo,
  ContactInfo,
  ContactInput,
  EventInfo,
  EventInput,
  EventTimeInput,
  MailboxInfo,
  MailboxRef,
} from './mailbox-control.types';
import type { DirectoryUser } from '../state/directory-user';
import {
  FREE_BUSY_STATUSES,
  type CalendarEvent,
  type CalendarEventFields,
} from '../state/mailbox/calendar-event';
import type { ContactFolder } from '../state/mailbox/contact-folder';
import type { Mailbox } from '../state/mailbox/mailbox';
import type { ContactFields, MailboxContact } from '../state/mailbox/mailbox-contact';
import { USER_PURPOSES, type UserPurpose } from '../state/mailbox/mailbox.store';
import type { SentMailRecord } from '../state/mailbox/sent-mail.log';
import type { TenantState } from '../state/tenant.state';

const EMPTY: readonly string[] = [];

/** Control operations for mailboxes, contacts, events and the sent-mail log (EmulatorControl delegates here). */
export class MailboxControl {
  constructor(
    private readonly tenant: (idOrDomain: string) => TenantState,
    private readonly allTenants: () => TenantState[],
    private readonly clock: EmulatorClock,
  ) {}

  /** enabled=false is "no Exchange Online licence": Graph answers MailboxNotEnabledForRESTAPI. */
  setMailboxEnabled(input: MailboxRef & { enabled: boolean }): MailboxInfo {
    const { tenant, user } = this.resolve(input);
    tenant.mailboxes.setLicensed(user.id, input.enabled !== false);
    return this.describe(tenant, user);
  }

  /** An application access policy excluding this mailbox for one app (clientId) or every app. */
  setMailboxAccessPolicy(input: MailboxRef & { blocked: boolean; clientId?: string }): MailboxInfo {
    const { tenant, user } = this.resolve(input);
    tenant.mailboxes.setAccessPolicy(user.id, input.blocked !== false, input.clientId ?? '*');
    return this.describe(tenant, user);
  }

  setMailboxSettings(input: MailboxRef & { userPurpose?: UserPurpose; timeZone?: string }): MailboxInfo {
    const { tenant, user } = this.resolve(input);
    if (input.userPurpose !== undefined) {
      if (!USER_PURPOSES.includes(input.userPurpose))
        throw ControlError.invalid(`userPurpose must be one of ${USER_PURPOSES.join(', ')}`);
      tenant.mailboxes.setPurpose(user.id, input.userPurpose);
    }
    if (input.timeZone !== undefined) {
      if (!resolveTimeZone(input.timeZone)) throw ControlError.invalid(`Unknown time zone ${input.timeZone}`);
      tenant.mailboxes.setTimeZone(user.id, input.timeZone);
    }
    return this.describe(tenant, user);
  }

  getMailbox(input: MailboxRef): MailboxInfo {
    const { tenant, user } = this.resolve(input);
    return this.describe(tenant, user);
  }

  addContactFolder(input: MailboxRef & { displayName: string; parentFolderId?: string }): ContactFolderInfo {
    if (!input.displayName) throw ControlError.invalid('displayName is required');
    const mailbox = this.mailbox(input);
    return this.describeFolder(this.wrap(() => mailbox.addFolder(input.displayName, input.parentFolderId)));
  }

  renameContactFolder(input: MailboxRef & { folderId: string; displayName: string }): ContactFolderInfo {
    const mailbox = this.mailbox(input);
    return this.describeFolder(this.wrap(() => mailbox.renameFolder(input.folderId, input.displayName)));
  }

  /** Deletes the folder with its child folders and contacts (each contact shows up as @removed in delta). */
  deleteContactFolder(input: MailboxRef & { folderId: string }): { deleted: true; contactsRemoved: number } {
    const mailbox = this.mailbox(input);
    const contactsRemoved = this.wrap(() => mailbox.deleteFolder(input.folderId, this.clock.now()));
    return { deleted: true, contactsRemoved };
  }

  addContact(input: MailboxRef & { folderId?: string; contact: ContactInput }): ContactInfo {
    const mailbox = this.mailbox(input);
    const fields = this.contactFields(input.contact ?? {});
    const folderId = input.folderId ?? mailbox.defaultFolder.id;
    return this.describeContact(this.wrap(() => mailbox.addContact(folderId, fields, this.clock.now())));
  }

  updateContact(input: MailboxRef & { contactId: string; changes: ContactInput }): ContactInfo {
    const mailbox = this.mailbox(input);
    const { emailAddresses, ...rest } = input.changes ?? {};
    const changes: Partial<ContactFields> = { ...rest };
    if (emailAddresses !== undefined)
      changes.emailAddresses = this.contactFields({ emailAddresses }).emailAddresses;
    return this.describeContact(
      this.wrap(() => mailbox.updateContact(input.contactId, changes, this.clock.now())),
    );
  }

  deleteContact(input: MailboxRef & { contactId: string }): { deleted: true } {
    const mailbox = this.mailbox(input);
    this.wrap(() => mailbox.deleteContact(input.contactId, this.clock.now()));
    return { deleted: true };
  }

  addEvent(input: MailboxRef & { event: EventInput }): EventInfo {
    const mailbox = this.mailbox(input);
    const fields = this.eventFields(input.event, undefined);
    return this.describeEvent(mailbox.addEvent(fields, this.clock.now()));
  }

  updateEvent(input: MailboxRef & { eventId: string; changes: Partial<EventInput> }): EventInfo {
    const mailbox = this.mailbox(input);
    const existing = mailbox.event(input.eventId);
    if (!existing) throw ControlError.notFound(`Event ${input.eventId}`);
    const fields = this.eventFields({ ...this.eventInput(existing), ...input.changes }, existing);
    return this.describeEvent(mailbox.updateEvent(existing.id, fields, this.clock.now()));
  }

  deleteEvent(input: MailboxRef & { eventId: string }): { deleted: true } {
    const mailbox = this.mailbox(input);
    this.wrap(() => mailbox.deleteEvent(input.eventId));
    return { deleted: true };
  }

  listSentMail(input: { tenant?: string } = {}): SentMailRecord[] {
    const tenants = input.tenant ? [this.tenant(input.tenant)] : this.allTenants();
    return tenants.flatMap((tenant) => [...tenant.sentMail.all()]);
  }

  clearSentMail(input: { tenant?: string } = {}): { cleared: number } {
    const tenants = input.tenant ? [this.tenant(input.tenant)] : this.allTenants();
    return { cleared: tenants.reduce((total, tenant) => total + tenant.sentMail.clear(), 0) };
  }

  private resolve(input: MailboxRef): { tenant: TenantState; user: DirectoryUser } {
    const tenant = this.tenant(input.tenant);
    const user = tenant.users.find(input.user ?? '');
    if (!user) throw ControlError.notFound(`User ${input.user}`);
    return { tenant, user };
  }

  private mailbox(input: MailboxRef): Mailbox {
    const { tenant, user } = this.resolve(input);
    if (!tenant.mailboxes.hasMailbox(user)) throw ControlError.invalid(`User ${input.user} has no mailbox`);
    return tenant.mailboxes.open(user);
  }

  private contactFields(input: ContactInput): ContactFields {
    const emailAddresses = (input.emailAddresses ?? []).map((entry) =>
      typeof entry === 'string'
        ? { name: null, address: entry }
        : { name: entry.name ?? null, address: entry.address },
    );
    return {
      displayName: input.displayName ?? ([input.givenName, input.surname].filter(Boolean).join(' ') || null),
      givenName: input.givenName ?? null,
      surname: input.surname ?? null,
      companyName: input.companyName ?? null,
      jobTitle: input.jobTitle ?? null,
      businessPhones: input.businessPhones ?? EMPTY,
      homePhones: input.homePhones ?? EMPTY,
      mobilePhone: input.mobilePhone ?? null,
      emailAddresses,
    };
  }

  private eventFields(input: EventInput, existing: CalendarEvent | undefined): CalendarEventFields {
    if (!input.subject && !existing) throw ControlError.invalid('event.subject is required');
    const showAs = input.showAs ?? 'busy';
    if (!FREE_BUSY_STATUSES.includes(showAs))
      throw ControlError.invalid(`showAs must be one of ${FREE_BUSY_STATUSES.join(', ')}`);
    const startMs = this.instant(input.start, 'start');
    const endMs = this.instant(input.end, 'end');
    if (endMs <= startMs) throw ControlError.invalid('event.end must be after event.start');
    return {
      subject: input.subject,
      startMs,
      endMs,
      showAs,
      isAllDay: input.isAllDay === true,
      isCancelled: input.isCancelled === true,
      location: input.location ?? null,
    };
  }

  private eventInput(event: CalendarEvent): EventInput {
    return {
      subject: event.fields.subject,
      start: new Date(event.fields.startMs).toISOString(),
      end: new Date(event.fields.endMs).toISOString(),
      showAs: event.fields.showAs,
      isAllDay: event.fields.isAllDay,
      isCancelled: event.fields.isCancelled,
      location: event.fields.location,
    };
  }

  private instant(value: EventTimeInput | undefined, name: string): number {
    if (value === undefined) throw ControlError.invalid(`event.${name} is required`);
    const ms =
      typeof value === 'string'
        ? Date.parse(value)
        : fromOutlookDateTime(value.dateTime, resolveTimeZone(value.timeZone) ?? '');
    if (ms === undefined || Number.isNaN(ms)) throw ControlError.invalid(`event.${name} is not a valid time`);
    return ms;
  }

  private wrap<T>(action: () => T): T {
    try {
      return action();
    } catch (error) {
      throw ControlError.invalid(error instanceof Error ? error.message : String(error));
    }
  }

  private describe(tenant: TenantState, user: DirectoryUser): MailboxInfo {
    const hasMailbox = tenant.mailboxes.hasMailbox(user);
    const mailbox = hasMailbox ? tenant.mailboxes.open(user) : undefined;
    return {
      userId: user.id,
      userPrincipalName: user.fields.userPrincipalName,
      hasMailbox,
      userPurpose: tenant.mailboxes.purposeOf(user.id),
      timeZone: tenant.mailboxes.timeZoneOf(user.id),
      defaultFolderId: mailbox?.defaultFolder.id ?? null,
      folders: mailbox?.allFolders().map((folder) => this.describeFolder(folder)) ?? [],
      contactCount: mailbox?.contactCount ?? 0,
      eventCount: mailbox?.allEvents().length ?? 0,
    };
  }

  private describeFolder(folder: ContactFolder): ContactFolderInfo {
    return {
      id: folder.id,
      displayName: folder.displayName,
      parentFolderId: folder.parentFolderId,
      contactCount: folder.contacts.length,
    };
  }

  private describeContact(contact: MailboxContact): ContactInfo {
    return {
      id: contact.id,
      folderId: contact.folderId,
      changeKey: contact.changeKey,
      lastModifiedDateTime: contact.lastModifiedDateTime,
      fields: contact.fields,
    };
  }

  private describeEvent(event: CalendarEvent): EventInfo {
    return {
      id: event.id,
      subject: event.fields.subject,
      start: new Date(event.fields.startMs).toISOString(),
      end: new Date(event.fields.endMs).toISOString(),
      showAs: event.fields.showAs,
      isAllDay: event.fields.isAllDay,
      isCancelled: event.fields.isCancelled,
      changeKey: event.changeKey,
    };
  }
}
