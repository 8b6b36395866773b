import type { MailMessageFields } from './mail-message';

export interface SentAttachment {
  readonly name: string;
  readonly contentType: string;
  readonly isInline: boolean;
  readonly size: number;
  readonly sha256: string;
  /** The delivered bytes, base64 (JSON-friendly for the HTTP control API). */
  readonly contentBytes: string;
}

/** What the emulated Exchange delivered, for tests that assert exactly-once delivery. */
export interface SentMailRecord {
  readonly id: string;
  readonly tenantId: string;
  /** The mailbox in the request path (users/{id|upn}/sendMail or .../messages/{id}/send). */
  readonly mailbox: { readonly id: string; readonly userPrincipalName: string; readonly mail: string | null };
  readonly via: 'sendMail' | 'draft';
  readonly sentAt: string;
  readonly saveToSentItems: boolean;
  readonly message: MailMessageFields;
  readonly attachments: readonly SentAttachment[];
}

export class SentMailLog {
  private readonly records: SentMailRecord[] = [];

  add(record: SentMailRecord): void {
    this.records.push(record);
  }

  all(): readonly SentMailRecord[] {
    return this.records;
  }

  clear(): number {
    const count = this.records.length;
    this.records.length = 0;
    return count;
  }
}
