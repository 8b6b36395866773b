/** A recipient: `"ann@contoso.com"`, `"Ann Smith <ann@contoso.com>"` or `{ address, name }`. */
export type MailRecipientInput = string | { address: string; name?: string };

export interface MailAttachmentInput {
  /** File name shown to the recipient, e.g. `voicemail-2026-11-22.wav`. */
  filename: string;
  content: Buffer | Uint8Array;
  /** MIME type; `application/octet-stream` when absent. */
  contentType?: string;
  /** Makes it an inline attachment that HTML refers to as `cid:<contentId>` (e.g. a logo). */
  contentId?: string;
}

/** What the host asks the PBX to mail; the sender is the tenant's configured mailbox. */
export interface GraphMailMessage {
  to?: MailRecipientInput[];
  cc?: MailRecipientInput[];
  bcc?: MailRecipientInput[];
  replyTo?: MailRecipientInput[];
  subject: string;
  /** Plain-text body, used when there is no `html`. */
  text?: string;
  /**
   * HTML body. Graph's JSON message has a single body, so when both are given the HTML one is sent and Exchange
   * derives the plain-text alternative itself.
   */
  html?: string;
  attachments?: MailAttachmentInput[];
  /** Custom headers; Graph only accepts names starting with `x-`. */
  headers?: Record<string, string>;
  importance?: 'low' | 'normal' | 'high';
  /** Overrides the tenant's "save to Sent Items" setting for this message. */
  saveToSentItems?: boolean;
}

/** How a message went out. */
export interface GraphMailReceipt {
  pbxTenantId: string;
  /** The mailbox it was sent from. */
  sender: string;
  /** `sendMail` (one request) or `draft` (draft, attachments, upload sessions, send). */
  method: 'sendMail' | 'draft';
  recipients: number;
  attachments: number;
  attachmentBytes: number;
  uploadSessions: number;
  savedToSentItems: boolean;
  /** When Graph answered 202 Accepted; delivery to the recipients follows asynchronously. */
  acceptedAt: Date;
}
