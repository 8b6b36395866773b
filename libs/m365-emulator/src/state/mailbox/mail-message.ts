export interface Recipient {
  readonly name: string | null;
  readonly address: string;
}

export interface MailAttachment {
  readonly id: string;
  readonly name: string;
  readonly contentType: string;
  readonly isInline: boolean;
  readonly bytes: Buffer;
}

/** The message properties the emulator validates and records (docs/graph-notes.md §10). */
export interface MailMessageFields {
  subject: string | null;
  body: { contentType: 'text' | 'html'; content: string };
  from: Recipient | null;
  toRecipients: readonly Recipient[];
  ccRecipients: readonly Recipient[];
  bccRecipients: readonly Recipient[];
  replyTo: readonly Recipient[];
  internetMessageHeaders: readonly { name: string; value: string }[];
  /** MAPI properties set through Graph's extended properties, e.g. `Boolean 0x0E01` (PidTagDeleteAfterSubmit). */
  singleValueExtendedProperties: readonly { id: string; value: string }[];
}

/** A draft created with POST /users/{id}/messages; large attachments arrive through upload sessions. */
export class DraftMessage {
  readonly attachments: MailAttachment[] = [];

  constructor(
    readonly id: string,
    public fields: MailMessageFields,
    readonly createdDateTime: string,
    public lastModifiedDateTime: string,
    public changeKey: string,
  ) {}
}
