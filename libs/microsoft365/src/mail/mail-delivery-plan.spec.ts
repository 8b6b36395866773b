import { prepareMail } from './graph-message-payload';
import { planDelivery, uploadRanges } from './mail-delivery-plan';
import { MAIL_LIMITS } from './mail-limits';

const MB = 1024 * 1024;
const withFiles = (...sizes: number[]) =>
  prepareMail({
    to: ['a@contoso.com'],
    subject: 'Voicemail',
    text: 'See attachment',
    attachments: sizes.map((size, i) => ({ filename: `f${i}.wav`, content: Buffer.alloc(size) })),
  });

describe('planDelivery', () => {
  it('sends small messages in one sendMail request', () => {
    expect(planDelivery(withFiles(), { deleteAfterSubmit: true })).toEqual({
      method: 'sendMail',
      routes: [],
    });
    expect(planDelivery(withFiles(100_000, 1 * MB), { deleteAfterSubmit: true })).toEqual({
      method: 'sendMail',
      routes: ['inline', 'inline'],
    });
  });

  it('keeps the sendMail request under 4 MB after base64', () => {
    // 2.9 MB is under the 3 MB attachment limit but close to 4 MB once base64-encoded; together with 0.2 MB
    // more it does not fit.
    expect(planDelivery(withFiles(2.9 * MB), { deleteAfterSubmit: false }).method).toBe('sendMail');
    expect(planDelivery(withFiles(2.9 * MB, 0.2 * MB), { deleteAfterSubmit: false })).toEqual({
      method: 'draft',
      routes: ['inline', 'post'],
    });
  });

  it('uploads files of 3 MB and more through upload sessions', () => {
    expect(planDelivery(withFiles(MAIL_LIMITS.uploadSessionMinBytes), { deleteAfterSubmit: true })).toEqual({
      method: 'draft',
      routes: ['uploadSession'],
    });
    expect(planDelivery(withFiles(20 * MB, 1 * MB, 1 * MB, 2 * MB), { deleteAfterSubmit: true })).toEqual({
      method: 'draft',
      routes: ['uploadSession', 'inline', 'inline', 'post'],
    });
  });
});

describe('uploadRanges', () => {
  it('cuts a file into consecutive multiples of 320 KiB, the last one shorter', () => {
    const size = 5 * MB + 123;
    const ranges = uploadRanges(size);
    expect(ranges[0]).toEqual({ start: 0, end: MAIL_LIMITS.uploadChunkBytes - 1 });
    for (const [index, range] of ranges.entries()) {
      const length = range.end - range.start + 1;
      expect(length).toBeLessThanOrEqual(4 * MB);
      if (index < ranges.length - 1) expect(length % (320 * 1024)).toBe(0);
      if (index > 0) expect(range.start).toBe((ranges[index - 1]?.end ?? 0) + 1);
    }
    expect(ranges.at(-1)?.end).toBe(size - 1);
    expect(uploadRanges(320 * 1024, 320 * 1024)).toEqual([{ start: 0, end: 320 * 1024 - 1 }]);
  });

  it('refuses chunk sizes Outlook would refuse', () => {
    expect(() => uploadRanges(MB, 1000)).toThrow('multiple of 320 KiB');
    expect(() => uploadRanges(MB, 13 * 320 * 1024)).toThrow('at most 4 MB');
  });
});
