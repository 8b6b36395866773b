import { type GraphMailService } from './graph-mail.service';
import {
  type GraphMailMessage,
  type GraphMailReceipt,
  type MailAttachmentInput,
  type MailRecipientInput,
} from './graph-mail-message';
import type { SentMessageInfo, Transport } from 'nodemailer';
import type MailMessage from 'nodemailer/lib/mailer/mail-message';
import { type MailMessageData } from 'nodemailer/lib/mailer/mail-message';

/** What `transporter.sendMail()` resolves to with this transport. */
export interface GraphMailSentInfo extends SentMessageInfo {
  accepted: string[];
  rejected: string[];
  response: string;
  receipt: GraphMailReceipt;
}

/**
 * A nodemailer transport that sends through {@link GraphMailService}: a host that builds its mail with
 * nodemailer switches from SMTP to Microsoft Graph by changing its transport only.
 *
 * ```ts
 * const transporter = nodemailer.createTransport(graphMail.nodemailerTransport(pbxTenantId));
 * await transporter.sendMail({ to, subject, text, html, attachments: [{ filename, content }] });
 * ```
 *
 * Differences from SMTP: the message always comes from the tenant's configured mailbox (`from` is ignored, as
 * Graph refuses another sender without Send As rights); only `x-` custom headers are passed on (Graph refuses
 * others); with both `text` and `html` the HTML body is sent; `messageId` is nodemailer's, Exchange assigns its
 * own.
 */
export class GraphMailTransport implements Transport<GraphMailSentInfo> {
  readonly name = 'Microsoft365Graph';
  readonly version = '1.0.0';

  constructor(
    private readonly mail: Pick<GraphMailService, 'send'>,
    private readonly pbxTenantId: string,
  ) {}

  send(
    mail: MailMessage<GraphMailSentInfo>,
    callback: (error: Error | null, info?: GraphMailSentInfo) => void,
  ): void {
    const envelope = mail.message.getEnvelope();
    const messageId = mail.message.messageId();
    // normalize() resolves streams, file paths and URLs of the content and parses the address fields.
    mail.normalize((error, data) => {
      if (error) {
        callback(error);
        return;
      }
      let message: GraphMailMessage;
      try {
        message = toGraphMailMessage(data);
      } catch (conversionError) {
        callback(conversionError instanceof Error ? conversionError : new Error(String(conversionError)));
        return;
      }
      this.mail.send(this.pbxTenantId, message).then(
        (receipt) =>
          callback(null, {
            envelope,
            messageId,
            accepted: [...(message.to ?? []), ...(message.cc ?? []), ...(message.bcc ?? [])].map(addressOf),
            rejected: [],
            response: `202 Accepted by Microsoft Graph (${receipt.method})`,
            receipt,
          }),
        (sendError: unknown) =>
          callback(sendError instanceof Error ? sendError : new Error(String(sendError))),
      );
    });
  }
}

function addressOf(recipient: MailRecipientInput): string {
  return typeof recipient === 'string' ? recipient : recipient.address;
}

interface ParsedAddress {
  name?: string;
  address?: string;
  group?: ParsedAddress[];
}

/** After normalize(), address fields are parsed objects (groups flattened here), or null. */
function addresses(value: unknown): MailRecipientInput[] {
  const list = (Array.isArray(value) ? value : value ? [value] : []) as (ParsedAddress | string)[];
  return list.flatMap((entry): MailRecipientInput[] => {
    if (typeof entry === 'string') return [entry];
    if (entry.group) return addresses(entry.group);
    return entry.address ? [{ address: entry.address, ...(entry.name ? { name: entry.name } : {}) }] : [];
  });
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

interface NormalizedAttachment {
  filename?: string | false;
  content?: unknown;
  encoding?: string;
  contentType?: string;
  cid?: string;
}

function attachment(entry: NormalizedAttachment, index: number): MailAttachmentInput {
  const content = entry.content;
  const bytes = Buffer.isBuffer(content)
    ? content
    : typeof content === 'string'
      ? Buffer.from(content, (entry.encoding as BufferEncoding | undefined) ?? 'utf8')
      : Buffer.alloc(0);
  return {
    filename: entry.filename || `attachment-${index + 1}`,
    content: bytes,
    ...(entry.contentType ? { contentType: entry.contentType } : {}),
    ...(entry.cid ? { contentId: entry.cid } : {}),
  };
}

const PRIORITY: Record<string, GraphMailMessage['importance']> = {
  high: 'high',
  normal: 'normal',
  low: 'low',
};

/** Maps nodemailer's normalized message data to a {@link GraphMailMessage}. */
export function toGraphMailMessage(data: MailMessageData): GraphMailMessage {
  const headers = Object.fromEntries(
    Object.entries(data.normalizedHeaders ?? {}).filter(
      ([name]) => /^x-/i.test(name) && !/^x-(mailer|priority|msmail-priority)$/i.test(name),
    ),
  );
  const priority = data.priority;
  const html = text(data.html);
  const plain = text(data.text);
  const attachments = ((data.attachments ?? []) as NormalizedAttachment[]).map(attachment);
  return {
    to: addresses(data.to),
    cc: addresses(data.cc),
    bcc: addresses(data.bcc),
    replyTo: addresses(data.replyTo),
    subject: data.subject ?? '',
    ...(html !== undefined ? { html } : {}),
    ...(plain !== undefined ? { text: plain } : {}),
    ...(attachments.length ? { attachments } : {}),
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(priority && PRIORITY[priority] ? { importance: PRIORITY[priority] } : {}),
  };
}
