/**
 * Microsoft's limits for mail sent through Graph, in one place (docs/graph-notes.md §6, §10; Microsoft Learn
 * "attachment: createUploadSession", "Attach large files to Outlook messages or events").
 */
export const MAIL_LIMITS = {
  /**
   * Graph refuses REST requests over 4 MB (413). Base64 makes attachments a third bigger, so a sendMail body
   * holds at most about 3 MB of files.
   */
  maxRequestBytes: 4 * 1024 * 1024,
  /**
   * "If the file size is under 3 MB, do a single POST on the attachments navigation property"; from 3 MB an
   * upload session is required (and Outlook refuses sessions for smaller files).
   */
  uploadSessionMinBytes: 3 * 1024 * 1024,
  /** "you can attach files up to 150 MB to an Outlook message"; also the largest message Exchange accepts. */
  maxMessageBytes: 150 * 1024 * 1024,
  /**
   * PUT chunks of an upload session: "up to 4 MB each time". They are kept at a multiple of 320 KiB, the
   * granularity OneDrive's sessions demand, which Outlook accepts too; 10 × 320 KiB stays well under 4 MB.
   */
  uploadChunkBytes: 10 * 320 * 1024,
  /** Exchange Online rejects a message with more than 500 recipients (to + cc + bcc). */
  maxRecipients: 500,
  /** Exchange Online's sending limit: 30 messages per minute per mailbox. */
  messagesPerMinutePerMailbox: 30,
  /**
   * Outlook runs at most 4 concurrent requests per app and mailbox; mail keeps 2 so that other features on the
   * same mailbox (contacts, calendar) are not pushed into 429 MailboxConcurrency.
   */
  concurrentSendsPerMailbox: 2,
} as const;
