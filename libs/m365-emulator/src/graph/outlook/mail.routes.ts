import { createHash } from 'node:crypto';
import { MINUTE_MS } from '../../core/time.format';
import type { EmulatorContext, RouteFamily } from '../../emulator.context';
import { GraphError } from '../graph.error';
import { MailboxAccess, type MailboxTarget } from './mailbox.access';
import {
  deletesAfterSubmit,
  parseFileAttachment,
  parseMessage,
  requireSomeRecipient,
  type ParsedAttachment,
} from './message-payload.parser';
import { itemNotFound } from './outlook.errors';
import { requireOutlookId } from './outlook-query';
import { readJson, requireParam, type EmulatorRequest } from '../../http/emulator-request';
import { emptyResponse, odataResponse, type EmulatorResponse } from '../../http/emulator-response';
import type { DraftMessage, MailAttachment, MailMessageFields } from '../../state/mailbox/mail-message';
import type { SentAttachment } from '../../state/mailbox/sent-mail.log';
import { asOutlookRoutes } from '../../http/route-definition';

export const MAIL_SEND_PERMISSIONS: readonly string[] = ['Mail.Send'];
/** Drafts and upload sessions need Mail.ReadWrite, not just Mail.Send (docs/graph-notes.md §10). */
export const MAIL_WRITE_PERMISSIONS: readonly string[] = ['Mail.ReadWrite'];

/**
 * docs/graph-notes.md §10: 4 MB per REST request (so inline attachments stay under ~3 MB); sessions for
 * 3..150 MB.
 */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
export const MIN_UPLOAD_SESSION_BYTES = 3 * 1024 * 1024;
export const MAX_UPLOAD_SESSION_BYTES = 150 * 1024 * 1024;
const UPLOAD_SESSION_LIFETIME_MS = 15 * MINUTE_MS;

function requestTooLarge(): GraphError {
  return new GraphError(413, 'RequestEntityTooLarge', 'The request size exceeds the maximum limit.');
}

function jsonBody(request: EmulatorRequest): Record<string, unknown> {
  if (request.body.length > MAX_REQUEST_BYTES) throw requestTooLarge();
  let raw: unknown;
  try {
    raw = readJson(request);
  } catch {
    throw new GraphError(
      400,
      'RequestBodyRead',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new GraphError(400, 'RequestBodyRead', 'Empty Payload. JSON content expected.');
  return raw as Record<string, unknown>;
}

function sentAttachment(attachment: ParsedAttachment | MailAttachment): SentAttachment {
  return {
    name: attachment.name,
    contentType: attachment.contentType,
    isInline: attachment.isInline,
    size: attachment.bytes.length,
    sha256: createHash('sha256').update(attachment.bytes).digest('hex'),
    contentBytes: attachment.bytes.toString('base64'),
  };
}

/** App-only Mail.Send sends as the mailbox in the path; another "from" needs Send As rights (not modelled). */
function checkSender(target: MailboxTarget, fields: MailMessageFields): void {
  if (!fields.from) return;
  const own = [target.user.fields.mail, target.user.fields.userPrincipalName]
    .filter((address): address is string => address !== null)
    .map((address) => address.toLowerCase());
  if (!own.includes(fields.from.address.toLowerCase())) {
    throw new GraphError(
      403,
      'ErrorSendAsDenied',
      'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.',
    );
  }
}

function projectMessage(draft: DraftMessage): Record<string, unknown> {
  const address = (recipient: { name: string | null; address: string }) => ({ emailAddress: recipient });
  return {
    '@odata.etag': `W/"${draft.changeKey}"`,
    id: draft.id,
    createdDateTime: draft.createdDateTime,
    lastModifiedDateTime: draft.lastModifiedDateTime,
    changeKey: draft.changeKey,
    subject: draft.fields.subject,
    body: draft.fields.body,
    isDraft: true,
    hasAttachments: draft.attachments.length > 0,
    from: draft.fields.from ? address(draft.fields.from) : null,
    toRecipients: draft.fields.toRecipients.map(address),
    ccRecipients: draft.fields.ccRecipients.map(address),
    bccRecipients: draft.fields.bccRecipients.map(address),
    replyTo: draft.fields.replyTo.map(address),
  };
}

class MailService {
  private readonly access: MailboxAccess;

  constructor(private readonly context: EmulatorContext) {
    this.access = new MailboxAccess(context);
  }

  /** POST /users/{id}/sendMail → 202; the delivery is recorded in the tenant's sent-mail log. */
  sendMail(request: EmulatorRequest): Promise<EmulatorResponse> {
    return this.access.run(request, MAIL_SEND_PERMISSIONS, (target) => {
      const body = jsonBody(request);
      const saveToSentItems = body['saveToSentItems'] ?? true;
      if (typeof saveToSentItems !== 'boolean')
        throw new GraphError(400, 'RequestBodyRead', "The property 'saveToSentItems' must be a boolean.");
      const parsed = parseMessage(body['message'], true);
      checkSender(target, parsed.fields);
      this.deliver(
        target,
        'sendMail',
        parsed.fields,
        parsed.attachments.map(sentAttachment),
        saveToSentItems,
      );
      return emptyResponse(202);
    });
  }

  createDraft(request: EmulatorRequest): Promise<EmulatorResponse> {
    return this.access.run(request, MAIL_WRITE_PERMISSIONS, (target) => {
      const parsed = parseMessage(jsonBody(request), false);
      const mailbox = target.mailbox();
      const draft = mailbox.addDraft(parsed.fields, this.context.clock.now());
      for (const attachment of parsed.attachments)
        draft.attachments.push({ ...attachment, id: mailbox.newItemId() });
      return odataResponse(201, {
        '@odata.context': `${this.context.urls.graphBaseUrl}/$metadata#users('${target.user.id}')/messages/$entity`,
        ...projectMessage(draft),
      });
    });
  }

  createUploadSession(request: EmulatorRequest): Promise<EmulatorResponse> {
    return this.access.run(request, MAIL_WRITE_PERMISSIONS, (target) => {
      const draft = this.draftOf(target, request);
      const body = jsonBody(request);
      const itemKey = Object.keys(body).find((key) => key.toLowerCase() === 'attachmentitem');
      const item = itemKey === undefined ? undefined : body[itemKey];
      const record =
        typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : undefined;
      const { attachmentType, name, size, contentType, isInline } = record ?? {};
      if (
        !record ||
        attachmentType !== 'file' ||
        typeof name !== 'string' ||
        name === '' ||
        typeof size !== 'number' ||
        !Number.isInteger(size)
      )
        throw new GraphError(
          400,
          'ErrorInvalidParameter',
          "AttachmentItem needs attachmentType 'file', a name and an integer size.",
        );
      if (size < MIN_UPLOAD_SESSION_BYTES) {
        throw new GraphError(
          400,
          'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize',
          'Attachment size must be greater than the minimum size.',
        );
      }
      if (size > MAX_UPLOAD_SESSION_BYTES)
        throw new GraphError(
          400,
          'ErrorMessageSizeExceeded',
          'The message exceeds the maximum supported size.',
        );
      const tenantId = target.caller.tenant.id;
      const session = this.context.uploadSessions.open({
        id: target.mailbox().newItemId(),
        tenantId,
        userId: target.user.id,
        messageId: draft.id,
        name,
        contentType:
          typeof contentType === 'string' && contentType !== '' ? contentType : 'application/octet-stream',
        isInline: isInline === true,
        size,
        expiresAt: this.context.clock.now() + UPLOAD_SESSION_LIFETIME_MS,
      });
      const uploadUrl =
        `${this.context.urls.baseUrl}/api/v2.0/Users('${target.user.id}@${tenantId}')/Messages('${draft.id}')` +
        `/AttachmentSessions('${session.id}')?authtoken=${session.authToken}`;
      return odataResponse(201, {
        '@odata.context': `${this.context.urls.graphBaseUrl}/$metadata#microsoft.graph.uploadSession`,
        uploadUrl,
        expirationDateTime: new Date(session.expiresAt).toISOString(),
        nextExpectedRanges: ['0-'],
      });
    });
  }

  /**
   * POST /users/{id}/messages/{mid}/attachments: one file under 3 MB, inline in the request
   * (docs/graph-notes.md §10).
   */
  addAttachment(request: EmulatorRequest): Promise<EmulatorResponse> {
    return this.access.run(request, MAIL_WRITE_PERMISSIONS, (target) => {
      const draft = this.draftOf(target, request);
      const parsed = parseFileAttachment(jsonBody(request));
      const attachment: MailAttachment = { ...parsed, id: target.mailbox().newItemId() };
      draft.attachments.push(attachment);
      return odataResponse(201, {
        '@odata.context': `${this.context.urls.graphBaseUrl}/$metadata#users('${target.user.id}')/messages('${draft.id}')/attachments/$entity`,
        '@odata.type': '#microsoft.graph.fileAttachment',
        id: attachment.id,
        lastModifiedDateTime: new Date(this.context.clock.now()).toISOString(),
        name: attachment.name,
        contentType: attachment.contentType,
        size: attachment.bytes.length,
        isInline: attachment.isInline,
      });
    });
  }

  sendDraft(request: EmulatorRequest): Promise<EmulatorResponse> {
    return this.access.run(request, MAIL_SEND_PERMISSIONS, (target) => {
      const draft = this.draftOf(target, request);
      requireSomeRecipient(draft.fields);
      checkSender(target, draft.fields);
      target.mailbox().drafts.delete(draft.id);
      // A sent draft goes to Sent Items unless PidTagDeleteAfterSubmit asks Exchange to delete it after submission.
      this.deliver(
        target,
        'draft',
        draft.fields,
        draft.attachments.map(sentAttachment),
        !deletesAfterSubmit(draft.fields),
      );
      return emptyResponse(202);
    });
  }

  private draftOf(target: MailboxTarget, request: EmulatorRequest): DraftMessage {
    const draft = target.mailbox().drafts.get(requireOutlookId(requireParam(request, 'messageId')));
    if (!draft) throw itemNotFound();
    return draft;
  }

  private deliver(
    target: MailboxTarget,
    via: 'sendMail' | 'draft',
    message: MailMessageFields,
    attachments: SentAttachment[],
    saveToSentItems: boolean,
  ): void {
    const tenant = target.caller.tenant;
    tenant.sentMail.add({
      id: this.context.random.guid(),
      tenantId: tenant.id,
      mailbox: {
        id: target.user.id,
        userPrincipalName: target.user.fields.userPrincipalName,
        mail: target.user.fields.mail,
      },
      via,
      sentAt: new Date(this.context.clock.now()).toISOString(),
      saveToSentItems,
      message,
      attachments,
    });
  }
}

/** sendMail, drafts, large attachments through upload sessions, and send (docs/graph-notes.md §10). */
export const mailRoutes: RouteFamily = (context) => {
  const mail = new MailService(context);
  return asOutlookRoutes([
    {
      method: 'POST',
      path: '/v1.0/users/{id}/sendMail',
      kind: 'graph',
      handler: (request) => mail.sendMail(request),
    },
    {
      method: 'POST',
      path: '/v1.0/users/{id}/messages',
      kind: 'graph',
      handler: (request) => mail.createDraft(request),
    },
    {
      method: 'POST',
      path: '/v1.0/users/{id}/messages/{messageId}/attachments/createUploadSession',
      kind: 'graph',
      handler: (request) => mail.createUploadSession(request),
    },
    {
      method: 'POST',
      path: '/v1.0/users/{id}/messages/{messageId}/attachments',
      kind: 'graph',
      handler: (request) => mail.addAttachment(request),
    },
    {
      method: 'POST',
      path: '/v1.0/users/{id}/messages/{messageId}/send',
      kind: 'graph',
      handler: (request) => mail.sendDraft(request),
    },
  ]);
};
