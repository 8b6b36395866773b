import { MAIL_LIMITS } from './mail-limits';
import {
  fileAttachmentJsonBytes,
  graphMessageJson,
  jsonBytes,
  type PreparedMail,
} from './graph-message-payload';

/**
 * How one attachment reaches the message: inside the sendMail or draft request, by its own
 * `POST .../attachments` (under 3 MB), or through an upload session (3 MB and more).
 */
export type AttachmentRoute = 'inline' | 'post' | 'uploadSession';

export interface DeliveryPlan {
  /** `sendMail` when everything fits in one request under 4 MB; otherwise a draft that is sent at the end. */
  method: 'sendMail' | 'draft';
  /** One route per attachment, in the message's order. */
  routes: AttachmentRoute[];
}

/** Room kept in every request for what the SDK and JSON add around our body. */
const REQUEST_MARGIN_BYTES = 8 * 1024;

/**
 * Chooses the cheapest way Graph accepts: one sendMail request when its JSON stays under 4 MB and no file needs
 * an upload session; otherwise a draft carrying what fits, small files posted one by one, large ones uploaded.
 */
export function planDelivery(mail: PreparedMail, options: { deleteAfterSubmit: boolean }): DeliveryPlan {
  const budget = MAIL_LIMITS.maxRequestBytes - REQUEST_MARGIN_BYTES;
  const sizes = mail.attachments.map((file) => fileAttachmentJsonBytes(file) + 1);
  const small = mail.attachments.every((file) => file.bytes.length < MAIL_LIMITS.uploadSessionMinBytes);
  const sendMailBytes =
    jsonBytes({ message: graphMessageJson(mail), saveToSentItems: false }) +
    sizes.reduce((sum, size) => sum + size, 0);
  if (small && sendMailBytes <= budget) {
    return { method: 'sendMail', routes: mail.attachments.map(() => 'inline') };
  }
  let room = budget - jsonBytes(graphMessageJson(mail, options));
  const routes = mail.attachments.map((file, index): AttachmentRoute => {
    if (file.bytes.length >= MAIL_LIMITS.uploadSessionMinBytes) return 'uploadSession';
    const size = sizes[index] ?? 0;
    if (size <= room) {
      room -= size;
      return 'inline';
    }
    return 'post';
  });
  return { method: 'draft', routes };
}

export interface ByteRange {
  start: number;
  /** Inclusive, as in `Content-Range: bytes start-end/total`. */
  end: number;
}

/** The PUTs of an upload session: consecutive ranges of `chunkBytes` (a multiple of 320 KiB), the last shorter. */
export function uploadRanges(size: number, chunkBytes: number = MAIL_LIMITS.uploadChunkBytes): ByteRange[] {
  if (!Number.isInteger(chunkBytes) || chunkBytes <= 0 || chunkBytes % (320 * 1024) !== 0)
    throw new RangeError('chunkBytes must be a positive multiple of 320 KiB');
  if (chunkBytes > 4 * 1024 * 1024) throw new RangeError('Outlook takes at most 4 MB per PUT');
  const ranges: ByteRange[] = [];
  for (let start = 0; start < size; start += chunkBytes) {
    ranges.push({ start, end: Math.min(start + chunkBytes, size) - 1 });
  }
  return ranges;
}
