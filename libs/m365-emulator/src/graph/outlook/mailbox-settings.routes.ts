import type { RouteFamily } from '../../emulator.context';
import { MailboxAccess, type MailboxTarget } from './mailbox.access';
import { requireParam, type EmulatorRequest } from '../../http/emulator-request';
import { odataResponse } from '../../http/emulator-response';
import { asOutlookRoutes } from '../../http/route-definition';

/** Reading mailboxSettings/userPurpose needs MailboxSettings.Read (docs/graph-notes.md §7). */
export const MAILBOX_SETTINGS_READ_PERMISSIONS: readonly string[] = [
  'MailboxSettings.Read',
  'MailboxSettings.ReadWrite',
];

export const WORKING_DAYS: readonly string[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];

export function workingHours(timeZone: string): Record<string, unknown> {
  return {
    daysOfWeek: WORKING_DAYS,
    startTime: '08:00:00.0000000',
    endTime: '17:00:00.0000000',
    timeZone: { name: timeZone },
  };
}

function mailboxSettings(target: MailboxTarget): Record<string, unknown> {
  const mailboxes = target.caller.tenant.mailboxes;
  const timeZone = mailboxes.timeZoneOf(target.user.id);
  return {
    archiveFolder: `AAMkA${target.user.id.replace(/-/g, '')}AAA=`,
    timeZone,
    automaticRepliesSetting: {
      status: 'disabled',
      externalAudience: 'all',
      internalReplyMessage: '',
      externalReplyMessage: '',
      scheduledStartDateTime: { dateTime: '2024-01-01T00:00:00.0000000', timeZone: 'UTC' },
      scheduledEndDateTime: { dateTime: '2024-01-02T00:00:00.0000000', timeZone: 'UTC' },
    },
    language: { locale: 'en-US', displayName: 'English (United States)' },
    dateFormat: 'M/d/yyyy',
    timeFormat: 'h:mm tt',
    userPurpose: mailboxes.purposeOf(target.user.id),
    delegateMeetingMessageDeliveryOptions: 'sendToDelegateOnly',
    workingHours: workingHours(timeZone),
  };
}

/** GET /users/{id}/mailboxSettings and its userPurpose property, which tells shared mailboxes apart (§7). */
export const mailboxSettingsRoutes: RouteFamily = (context) => {
  const access = new MailboxAccess(context);
  const contextUrl = (request: EmulatorRequest): string =>
    `${context.urls.graphBaseUrl}/$metadata#users('${encodeURIComponent(requireParam(request, 'id'))}')/mailboxSettings`;
  return asOutlookRoutes([
    {
      method: 'GET',
      path: '/v1.0/users/{id}/mailboxSettings',
      kind: 'graph',
      handler: (request) =>
        access.run(request, MAILBOX_SETTINGS_READ_PERMISSIONS, (target) =>
          odataResponse(200, { '@odata.context': contextUrl(request), ...mailboxSettings(target) }),
        ),
    },
    {
      method: 'GET',
      path: '/v1.0/users/{id}/mailboxSettings/userPurpose',
      kind: 'graph',
      handler: (request) =>
        access.run(request, MAILBOX_SETTINGS_READ_PERMISSIONS, (target) =>
          odataResponse(200, {
            '@odata.context': `${contextUrl(request)}/userPurpose`,
            value: target.caller.tenant.mailboxes.purposeOf(target.user.id),
          }),
        ),
    },
  ]);
};
