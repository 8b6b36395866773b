import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import {
  type GraphMailMessage,
  type MailAttachmentInput,
  type MailRecipientInput,
} from './graph-mail-message';
import { MAIL_LIMITS } from './mail-limits';

export interface MailRecipient {
  address: string;
  name?: string;
}

export interface PreparedAttachment {
  name: string;
  contentType: string;
  contentId?: string;
  bytes: Buffer;
}

/** A host message checked against Graph's rules, with parsed addresses and attachment bytes. */
export interface PreparedMail {
  subject: string;
  body: { contentType: 'HTML' | 'Text'; content: string };
  to: MailRecipient[];
  cc: MailRecipient[];
  bcc: MailRecipient[];
  replyTo: MailRecipient[];
  headers: { name: string; value: string }[];
  importance?: 'low' | 'normal' | 'high';
  attachments: PreparedAttachment[];
}

const ADDRESS = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/;
const NAMED_ADDRESS = /^\s*"?([^"<]*?)"?\s*<([^<>]+)>\s*$/;
/** Graph refuses internetMessageHeaders whose name does not start with `x-` (InvalidInternetMessageHeader). */
const CUSTOM_HEADER = /^x-[A-Za-z0-9-]+$/i;

/**
 * PidTagDeleteAfterSubmit (MAPI 0x0E01, [MS-OXOMSG]): Exchange deletes the message once sent instead of moving it
 * to Sent Items. A draft sent with `send` has no `saveToSentItems` switch; this property is the only way.
 */
export const DELETE_AFTER_SUBMIT = { id: 'Boolean 0x0E01', value: 'true' } as const;

function invalid(message: string, field: string): Microsoft365Exception {
  return new Microsoft365Exception(Microsoft365ErrorCode.MailMessageInvalid, message, {
    action: 'Correct the message before sending it again.',
    details: { field },
  });
}

export function parseRecipient(input: MailRecipientInput, field: string): MailRecipient {
  let address: string;
  let name: string | undefined;
  if (typeof input === 'string') {
    const named = NAMED_ADDRESS.exec(input);
    address = (named?.[2] ?? input).trim();
    name = named?.[1]?.trim() || undefined;
  } else {
    address = String(input?.address ?? '').trim();
    name = input?.name?.trim() || undefined;
  }
  if (!ADDRESS.test(address)) throw invalid(`"${address}" is not a valid e-mail address`, field);
  return name ? { address, name } : { address };
}

function recipients(list: MailRecipientInput[] | undefined, field: string): MailRecipient[] {
  return (list ?? []).map((entry, index) => parseRecipient(entry, `${field}.${index}`));
}

function attachment(input: MailAttachmentInput, index: number): PreparedAttachment {
  const field = `attachments.${index}`;
  if (typeof input?.filename !== 'string' || input.filename.trim() === '')
    throw invalid('Every attachment needs a file name', `${field}.filename`);
  if (!(input.content instanceof Uint8Array))
    throw invalid('Attachment content must be a Buffer or Uint8Array', `${field}.content`);
  const bytes = Buffer.isBuffer(input.content)
    ? input.content
    : Buffer.from(input.content.buffer, input.content.byteOffset, input.content.byteLength);
  return {
    name: input.filename.trim(),
    contentType: input.contentType?.trim() || 'application/octet-stream',
    ...(input.contentId ? { contentId: input.contentId } : {}),
    bytes,
  };
}

/** Checks a host message against Graph's and Exchange's rules before anything is sent. */
export function prepareMail(message: GraphMailMessage): PreparedMail {
  if (typeof message?.subject !== 'string') throw invalid('The subject must be a string', 'subject');
  const to = recipients(message.to, 'to');
  const cc = recipients(message.cc, 'cc');
  const bcc = recipients(message.bcc, 'bcc');
  const total = to.length + cc.length + bcc.length;
  if (total === 0) throw invalid('The message has no recipient', 'to');
  if (total > MAIL_LIMITS.maxRecipients)
    throw invalid(
      `The message has ${total} recipients; Exchange Online accepts at most ${MAIL_LIMITS.maxRecipients}`,
      'to',
    );
  const headers = Object.entries(message.headers ?? {}).map(([name, value]) => {
    if (!CUSTOM_HEADER.test(name))
      throw invalid(`Header "${name}" is refused: Graph only sends custom headers named x-...`, 'headers');
    return { name, value: String(value) };
  });
  const attachments = (message.attachments ?? []).map(attachment);
  const body =
    message.html !== undefined
      ? { contentType: 'HTML' as const, content: message.html }
      : { contentType: 'Text' as const, content: message.text ?? '' };
  const totalBytes =
    attachments.reduce((sum, file) => sum + file.bytes.length, 0) + Buffer.byteLength(body.content);
  if (totalBytes > MAIL_LIMITS.maxMessageBytes) {
    throw new Microsoft365Exception(
      Microsoft365ErrorCode.MailMessageTooLarge,
      `The message is ${megabytes(totalBytes)} MB; Microsoft 365 accepts at most ${megabytes(MAIL_LIMITS.maxMessageBytes)} MB`,
      {
        action: 'Send smaller attachments (e.g. a compressed recording) or a link instead of the file.',
        details: { bytes: totalBytes, limitBytes: MAIL_LIMITS.maxMessageBytes },
      },
    );
  }
  return {
    subject: message.subject,
    body,
    to,
    cc,
    bcc,
    replyTo: recipients(message.replyTo, 'replyTo'),
    headers,
    ...(message.importance ? { importance: message.importance } : {}),
    attachments,
  };
}

const emailAddresses = (list: MailRecipient[]) => list.map((emailAddress) => ({ emailAddress }));

/** The Graph `message` resource for sendMail or a draft, without attachments. */
export function graphMessageJson(
  mail: PreparedMail,
  options: { deleteAfterSubmit?: boolean } = {},
): Record<string, unknown> {
  return {
    subject: mail.subject,
    body: mail.body,
    toRecipients: emailAddresses(mail.to),
    ...(mail.cc.length ? { ccRecipients: emailAddresses(mail.cc) } : {}),
    ...(mail.bcc.length ? { bccRecipients: emailAddresses(mail.bcc) } : {}),
    ...(mail.replyTo.length ? { replyTo: emailAddresses(mail.replyTo) } : {}),
    ...(mail.importance ? { importance: mail.importance } : {}),
    ...(mail.headers.length ? { internetMessageHeaders: mail.headers } : {}),
    ...(options.deleteAfterSubmit ? { singleValueExtendedProperties: [DELETE_AFTER_SUBMIT] } : {}),
  };
}

/** A `#microsoft.graph.fileAttachment`; `contentBytes` is left out when only its size is wanted. */
export function fileAttachmentJson(file: PreparedAttachment, withContent = true): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.fileAttachment',
    name: file.name,
    contentType: file.contentType,
    ...(file.contentId ? { contentId: file.contentId, isInline: true } : {}),
    contentBytes: withContent ? file.bytes.toString('base64') : '',
  };
}

/** The `AttachmentItem` of createUploadSession. */
export function attachmentItemJson(file: PreparedAttachment): Record<string, unknown> {
  return {
    AttachmentItem: {
      attachmentType: 'file',
      name: file.name,
      size: file.bytes.length,
      contentType: file.contentType,
      ...(file.contentId ? { contentId: file.contentId, isInline: true } : {}),
    },
  };
}

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/** Bytes a fileAttachment adds to a JSON request, computed without base64-encoding the file. */
export function fileAttachmentJsonBytes(file: PreparedAttachment): number {
  return jsonBytes(fileAttachmentJson(file, false)) + 4 * Math.ceil(file.bytes.length / 3);
}

/** Rounded up, so that a message one byte over the limit never reads as exactly the limit. */
function megabytes(bytes: number): string {
  return (Math.ceil((bytes / (1024 * 1024)) * 10) / 10).toFixed(1);
}
