import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';

/** The Graph request a mail failed in. */
export type MailStep =
  'sendMail' | 'createDraft' | 'addAttachment' | 'createUploadSession' | 'upload' | 'send';

export interface MailFailureContext {
  sender: string;
  step: MailStep;
  /** Application permissions in the token, to tell a missing permission from a mailbox-scoping policy. */
  grantedRoles?: readonly string[];
}

/**
 * Whether the message may have gone out. Only the final request (sendMail, or send of the draft) delivers, and
 * only an answer Graph gives before doing the work (429, 503, 4xx, a refused connection) proves it did not.
 */
export type MailDelivery = 'not-sent' | 'unknown';

const API_PERMISSIONS =
  'In the Entra admin center open App registrations → your app → API permissions → Add a permission → ' +
  'Microsoft Graph → Application permissions';

const DELIVERING_STEPS: readonly MailStep[] = ['sendMail', 'send'];

export function deliveryAfter(error: Microsoft365Exception, step: MailStep): MailDelivery {
  if (!DELIVERING_STEPS.includes(step)) return 'not-sent';
  const status = error.microsoft?.status;
  if (status !== undefined) return status >= 500 && status !== 503 ? 'unknown' : 'not-sent';
  // No HTTP answer: a refused connection never reached Graph; a timeout or reset may have come after the work.
  const code = error.microsoft?.code;
  if (code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'not-sent';
  return error.code === Microsoft365ErrorCode.Unavailable ? 'unknown' : 'not-sent';
}

const hasRole = (roles: readonly string[] | undefined, role: string) =>
  roles?.some((granted) => granted.toLowerCase() === role.toLowerCase()) ?? false;

/** Turns a Graph failure during a send into what the PBX admin needs: which mailbox, which permission, what to do. */
export function explainMailFailure(error: unknown, context: MailFailureContext): Microsoft365Exception {
  if (!(error instanceof Microsoft365Exception)) {
    return new Microsoft365Exception(Microsoft365ErrorCode.Internal, 'Sending the mail failed unexpectedly', {
      cause: error,
      details: { sender: context.sender, step: context.step, delivery: 'unknown' },
    });
  }
  const delivery = deliveryAfter(error, context.step);
  const details = { ...error.details, sender: context.sender, step: context.step, delivery };
  const rewrite = (code: Microsoft365ErrorCode, message: string, action: string) =>
    new Microsoft365Exception(code, message, {
      action,
      details,
      ...(error.microsoft ? { microsoft: error.microsoft } : {}),
      cause: error,
    });
  const microsoftCode = error.microsoft?.code ?? '';
  const needsReadWrite = context.step !== 'sendMail' && context.step !== 'send';
  const permission = needsReadWrite ? 'Mail.ReadWrite' : 'Mail.Send';

  if (error.code === Microsoft365ErrorCode.PermissionMissing || microsoftCode === 'ErrorAccessDenied') {
    if (context.grantedRoles && hasRole(context.grantedRoles, permission)) {
      return rewrite(
        Microsoft365ErrorCode.PermissionMissing,
        `Microsoft 365 refused access to the mailbox ${context.sender} although the app has ${permission}`,
        `An Exchange application access policy or RBAC for Applications scope excludes ${context.sender}. Add the ` +
          'mailbox to the group the policy allows (Exchange Online PowerShell: Get-ApplicationAccessPolicy), or ' +
          'choose a sending mailbox inside it.',
      );
    }
    return rewrite(
      Microsoft365ErrorCode.PermissionMissing,
      needsReadWrite
        ? `The app lacks the Mail.ReadWrite application permission, needed for attachments of 3 MB and more`
        : `The app lacks the Mail.Send application permission, so it cannot send as ${context.sender}`,
      `${API_PERMISSIONS} → ${permission}, then click "Grant admin consent". ` +
        (needsReadWrite
          ? 'Without it, only mail whose attachments total under about 3 MB can be sent.'
          : 'Mail.Send lets the app send as any mailbox; restrict it with an application access policy.'),
    );
  }
  const firstRequest = context.step === 'sendMail' || context.step === 'createDraft';
  if (
    microsoftCode === 'ErrorInvalidUser' ||
    (firstRequest &&
      error.code === Microsoft365ErrorCode.GraphNotFound &&
      !/ItemNotFound/i.test(microsoftCode))
  ) {
    return rewrite(
      Microsoft365ErrorCode.GraphNotFound,
      `The sending mailbox ${context.sender} does not exist in the Microsoft 365 tenant`,
      'Enter the address of an existing user or shared mailbox in the mail settings (Microsoft 365 admin center ' +
        '→ Teams & groups → Shared mailboxes; a shared mailbox needs no licence).',
    );
  }
  if (error.code === Microsoft365ErrorCode.MailboxNotEnabled) {
    return rewrite(
      Microsoft365ErrorCode.MailboxNotEnabled,
      `${context.sender} has no Exchange Online mailbox (unlicensed user, guest, or mailbox on-premises)`,
      'Assign an Exchange Online licence to the user, or send from a shared mailbox instead.',
    );
  }
  if (
    error.microsoft?.status === 413 ||
    /ErrorMessageSizeExceeded|RequestEntityTooLarge|MessageSizeExceeded/i.test(microsoftCode)
  ) {
    return rewrite(
      Microsoft365ErrorCode.MailMessageTooLarge,
      `Microsoft 365 refused the message from ${context.sender} as too large`,
      "Exchange Online limits messages to 35 MB by default; send smaller attachments, or raise the mailbox's " +
        'maximum send size (Exchange admin center → Mailboxes → Mail flow settings → Message size restrictions, ' +
        'up to 150 MB).',
    );
  }
  if (/ErrorInvalidRecipients|InvalidInternetMessageHeader|ErrorInvalidParameter/i.test(microsoftCode)) {
    return rewrite(
      Microsoft365ErrorCode.MailMessageInvalid,
      `Microsoft 365 refused the message (${microsoftCode})`,
      "Check the recipients' addresses and custom headers of the message.",
    );
  }
  if (error.code === Microsoft365ErrorCode.Throttled) {
    return rewrite(
      Microsoft365ErrorCode.Throttled,
      `Microsoft 365 kept throttling mail from ${context.sender}; the message was not sent`,
      'Send it again later. Persistent throttling means this mailbox sends more than Exchange allows (30 messages ' +
        'a minute) or other applications share its limits; spread notifications over several mailboxes.',
    );
  }
  if (delivery === 'unknown') {
    return rewrite(
      Microsoft365ErrorCode.Unavailable,
      `Microsoft 365 did not confirm the mail from ${context.sender}; it may or may not have been sent`,
      "It is not sent again automatically, so nobody gets it twice. Check the mailbox's Sent Items or the " +
        'message trace in the Exchange admin center before sending it again.',
    );
  }
  return new Microsoft365Exception(error.code, error.message, {
    ...(error.action ? { action: error.action } : {}),
    ...(error.microsoft ? { microsoft: error.microsoft } : {}),
    details,
    cause: error,
  });
}
