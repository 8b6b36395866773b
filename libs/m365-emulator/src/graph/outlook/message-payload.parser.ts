import { GraphError } from '../graph.error';
import type { MailMessageFields, Recipient } from '../../state/mailbox/mail-message';

export interface ParsedAttachment {
  readonly name: string;
  readonly contentType: string;
  readonly isInline: boolean;
  readonly bytes: Buffer;
}

export interface ParsedMessage {
  readonly fields: MailMessageFields;
  readonly attachments: ParsedAttachment[];
}

/** Message properties the emulator accepts; Graph rejects unknown properties of the message type. */
const KNOWN_MESSAGE_PROPERTIES: readonly string[] = [
  'subject',
  'body',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
  'from',
  'sender',
  'attachments',
  'internetMessageHeaders',
  'importance',
  'isDeliveryReceiptRequested',
  'isReadReceiptRequested',
  'categories',
  'flag',
  'singleValueExtendedProperties',
];

const ADDRESS_PATTERN = /^[^@\s]+@[^@\s]+$/;
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

function badBody(message: string): GraphError {
  return new GraphError(400, 'RequestBodyRead', message);
}

function invalidRecipients(detail: string): GraphError {
  return new GraphError(400, 'ErrorInvalidRecipients', `At least one recipient isn't valid., ${detail}`);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function recipient(value: unknown): Recipient {
  const emailAddress = asRecord(asRecord(value)?.['emailAddress']);
  const address = emailAddress?.['address'];
  const name = emailAddress?.['name'];
  if (typeof address !== 'string' || !ADDRESS_PATTERN.test(address.trim())) {
    throw invalidRecipients(
      `Recipient '${typeof address === 'string' ? address : ''}' is not resolved. All recipients must be resolved before a message can be submitted.`,
    );
  }
  return { address: address.trim(), name: typeof name === 'string' ? name : null };
}

function recipients(message: Record<string, unknown>, property: string): Recipient[] {
  const value = message[property];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badBody(`The property '${property}' must be a collection of recipients.`);
  return value.map(recipient);
}

function body(message: Record<string, unknown>): MailMessageFields['body'] {
  const value = message['body'];
  if (value === undefined || value === null) return { contentType: 'text', content: '' };
  const record = asRecord(value);
  const contentType = record?.['contentType'] ?? 'text';
  const content = record?.['content'] ?? '';
  if (typeof contentType !== 'string' || !['text', 'html'].includes(contentType.toLowerCase()))
    throw badBody(
      `Cannot convert the literal '${JSON.stringify(contentType)}' to the expected type 'microsoft.graph.bodyType'.`,
    );
  if (typeof content !== 'string') throw badBody("The property 'content' must be a string.");
  return { contentType: contentType.toLowerCase() === 'html' ? 'html' : 'text', content };
}

/** Only fileAttachment with base64 contentBytes is modelled (docs/graph-notes.md §10). */
export function parseFileAttachment(value: unknown): ParsedAttachment {
  const record = asRecord(value) ?? {};
  const rawType = record['@odata.type'];
  const type = (typeof rawType === 'string' ? rawType : '').replace(/^#/, '').toLowerCase();
  if (type !== 'microsoft.graph.fileattachment') {
    throw badBody(
      type === ''
        ? "The attachment requires an '@odata.type' of '#microsoft.graph.fileAttachment'."
        : `The m365-emulator supports only #microsoft.graph.fileAttachment, not '${type}'.`,
    );
  }
  const name = record['name'];
  const contentBytes = record['contentBytes'];
  const contentType = record['contentType'];
  if (typeof name !== 'string' || name.trim() === '') throw badBody('The attachment name is required.');
  if (typeof contentBytes !== 'string') throw badBody('The attachment contentBytes is required.');
  const compact = contentBytes.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64_PATTERN.test(compact))
    throw new GraphError(400, 'ErrorInvalidParameter', 'Invalid base64 string for contentBytes.');
  return {
    name,
    contentType:
      typeof contentType === 'string' && contentType !== '' ? contentType : 'application/octet-stream',
    isInline: record['isInline'] === true,
    bytes: Buffer.from(compact, 'base64'),
  };
}

/** Validates a Graph message object the way sendMail and POST messages need it. */
export function parseMessage(value: unknown, requireRecipients: boolean): ParsedMessage {
  const message = asRecord(value);
  if (!message) throw badBody('The message is required and must be a JSON object.');
  for (const property of Object.keys(message)) {
    if (!property.startsWith('@odata.') && !KNOWN_MESSAGE_PROPERTIES.includes(property))
      throw badBody(`Could not find a property named '${property}' on type 'microsoft.graph.message'.`);
  }
  const subject = message['subject'];
  if (subject !== undefined && subject !== null && typeof subject !== 'string')
    throw badBody("The property 'subject' must be a string.");
  const headers = message['internetMessageHeaders'] ?? [];
  if (!Array.isArray(headers)) throw badBody("The property 'internetMessageHeaders' must be a collection.");
  const internetMessageHeaders = headers.map((header: unknown) => {
    const record = asRecord(header);
    const name = record?.['name'];
    const headerValue = record?.['value'];
    if (typeof name !== 'string' || typeof headerValue !== 'string')
      throw badBody('Invalid internetMessageHeader.');
    if (!/^x-/i.test(name)) {
      throw new GraphError(
        400,
        'InvalidInternetMessageHeader',
        `The internet message header name '${name}' should start with 'x-' or 'X-'.`,
      );
    }
    return { name, value: headerValue };
  });
  const extended = message['singleValueExtendedProperties'] ?? [];
  if (!Array.isArray(extended))
    throw badBody("The property 'singleValueExtendedProperties' must be a collection.");
  const singleValueExtendedProperties = extended.map((property: unknown) => {
    const record = asRecord(property);
    const id = record?.['id'];
    const propertyValue = record?.['value'];
    if (typeof id !== 'string' || typeof propertyValue !== 'string')
      throw badBody('A singleValueLegacyExtendedProperty needs a string id and a string value.');
    return { id, value: propertyValue };
  });
  const from = message['from'] === undefined || message['from'] === null ? null : recipient(message['from']);
  const fields: MailMessageFields = {
    subject: typeof subject === 'string' ? subject : null,
    body: body(message),
    from,
    toRecipients: recipients(message, 'toRecipients'),
    ccRecipients: recipients(message, 'ccRecipients'),
    bccRecipients: recipients(message, 'bccRecipients'),
    replyTo: recipients(message, 'replyTo'),
    internetMessageHeaders,
    singleValueExtendedProperties,
  };
  if (requireRecipients) requireSomeRecipient(fields);
  const attachments = message['attachments'] ?? [];
  if (!Array.isArray(attachments)) throw badBody("The property 'attachments' must be a collection.");
  return { fields, attachments: attachments.map(parseFileAttachment) };
}

export function requireSomeRecipient(fields: MailMessageFields): void {
  if (fields.toRecipients.length + fields.ccRecipients.length + fields.bccRecipients.length === 0)
    throw invalidRecipients("A message can't be sent because it contains no recipients.");
}

/**
 * PidTagDeleteAfterSubmit (0x0E01, PT_BOOLEAN, [MS-OXOMSG] 3.3.5.1.3): "the message is deleted after the message
 * is sent", i.e. no copy in Sent Items. Set through Graph as `{"id":"Boolean 0x0E01","value":"true"}`.
 */
export function deletesAfterSubmit(fields: MailMessageFields): boolean {
  return fields.singleValueExtendedProperties.some(
    (property) =>
      /^Boolean\s+0x0*E01$/i.test(property.id.trim()) && property.value.trim().toLowerCase() === 'true',
  );
}
