import type { DeliveryStats } from '../graph/subscriptions/graph-subscription';
import type { FreeBusyStatus } from '../state/mailbox/calendar-event';
import type { ContactFields, EmailAddress } from '../state/mailbox/mailbox-contact';

export interface MailboxRef {
  tenant: string;
  /** User id or userPrincipalName. */
  user: string;
}

export type ContactInput = Partial<Omit<ContactFields, 'emailAddresses'>> & {
  emailAddresses?: (EmailAddress | { address: string; name?: string | null } | string)[];
};

export interface ContactInfo {
  id: string;
  folderId: string;
  changeKey: string;
  lastModifiedDateTime: string;
  fields: ContactFields;
}

export interface ContactFolderInfo {
  id: string;
  displayName: string;
  parentFolderId: string;
  contactCount: number;
}

export interface MailboxInfo {
  userId: string;
  userPrincipalName: string;
  hasMailbox: boolean;
  userPurpose: string;
  timeZone: string;
  defaultFolderId: string | null;
  folders: ContactFolderInfo[];
  contactCount: number;
  eventCount: number;
}

/** ISO 8601 with an offset ("2024-05-01T10:00:00Z") or a Graph dateTimeTimeZone. */
export type EventTimeInput = string | { dateTime: string; timeZone: string };

export interface EventInput {
  subject: string;
  start: EventTimeInput;
  end: EventTimeInput;
  showAs?: FreeBusyStatus;
  isAllDay?: boolean;
  isCancelled?: boolean;
  location?: string | null;
}

export interface EventInfo {
  id: string;
  subject: string;
  start: string;
  end: string;
  showAs: FreeBusyStatus;
  isAllDay: boolean;
  isCancelled: boolean;
  changeKey: string;
}

export interface SubscriptionInfo {
  id: string;
  tenantId: string;
  applicationId: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expirationDateTime: string;
  stats: DeliveryStats;
}
