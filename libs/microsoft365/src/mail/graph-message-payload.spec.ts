import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { type Microsoft365Exception } from '../common/microsoft365.exception';
import {
  attachmentItemJson,
  DELETE_AFTER_SUBMIT,
  fileAttachmentJson,
  fileAttachmentJsonBytes,
  graphMessageJson,
  jsonBytes,
  parseRecipient,
  prepareMail,
} from './graph-message-payload';
import { type GraphMailMessage } from './graph-mail-message';

function failure(message: GraphMailMessage): Microsoft365Exception {
  try {
    prepareMail(message);
  } catch (error) {
    return error as Microsoft365Exception;
  }
  throw new Error('prepareMail accepted the message');
}

describe('graph message payload', () => {
  it('parses plain, named and object recipients', () => {
    expect(parseRecipient('ann@contoso.com', 'to')).toEqual({ address: 'ann@contoso.com' });
    expect(parseRecipient('"Ann Smith" <ann@contoso.com>', 'to')).toEqual({
      address: 'ann@contoso.com',
      name: 'Ann Smith',
    });
    expect(parseRecipient('Bob <bob@contoso.com>', 'to')).toEqual({
      address: 'bob@contoso.com',
      name: 'Bob',
    });
    expect(parseRecipient({ address: ' eve@contoso.com ', name: '' }, 'to')).toEqual({
      address: 'eve@contoso.com',
    });
    for (const bad of ['nobody', 'a@b', 'two@at@contoso.com', 'x y@contoso.com', '']) {
      expect(() => parseRecipient(bad, 'to.0')).toThrow('is not a valid e-mail address');
    }
  });

  it('builds the Graph message: HTML wins over text, only non-empty lists, x- headers', () => {
    const mail = prepareMail({
      to: ['Ann <ann@contoso.com>'],
      bcc: ['audit@contoso.com'],
      subject: 'Voicemail',
      text: 'plain',
      html: '<p>rich</p>',
      headers: { 'X-PBX-Call-Id': '42' },
      importance: 'high',
    });
    expect(graphMessageJson(mail)).toEqual({
      subject: 'Voicemail',
      body: { contentType: 'HTML', content: '<p>rich</p>' },
      toRecipients: [{ emailAddress: { address: 'ann@contoso.com', name: 'Ann' } }],
      bccRecipients: [{ emailAddress: { address: 'audit@contoso.com' } }],
      importance: 'high',
      internetMessageHeaders: [{ name: 'X-PBX-Call-Id', value: '42' }],
    });
    expect(graphMessageJson(mail, { deleteAfterSubmit: true })).toMatchObject({
      singleValueExtendedProperties: [DELETE_AFTER_SUBMIT],
    });
    expect(prepareMail({ to: ['a@contoso.com'], subject: 's', text: 'hi' }).body).toEqual({
      contentType: 'Text',
      content: 'hi',
    });
  });

  it('encodes attachments as fileAttachment and knows their JSON size without encoding them', () => {
    const mail = prepareMail({
      to: ['a@contoso.com'],
      subject: 's',
      attachments: [
        { filename: 'vm.wav', content: new Uint8Array([1, 2, 3, 4]), contentType: 'audio/wav' },
        { filename: 'logo.png', content: Buffer.from('png'), contentId: 'logo' },
      ],
    });
    const [wav, logo] = mail.attachments;
    expect(fileAttachmentJson(wav!)).toEqual({
      '@odata.type': '#microsoft.graph.fileAttachment',
      name: 'vm.wav',
      contentType: 'audio/wav',
      contentBytes: 'AQIDBA==',
    });
    expect(fileAttachmentJson(logo!)).toMatchObject({
      contentType: 'application/octet-stream',
      contentId: 'logo',
      isInline: true,
    });
    for (const file of mail.attachments) {
      expect(fileAttachmentJsonBytes(file)).toBe(jsonBytes(fileAttachmentJson(file)));
    }
    expect(attachmentItemJson(wav!)).toEqual({
      AttachmentItem: { attachmentType: 'file', name: 'vm.wav', size: 4, contentType: 'audio/wav' },
    });
  });

  it('refuses what Graph or Exchange would refuse, before sending anything', () => {
    expect(failure({ subject: 'no one' })).toMatchObject({
      code: Microsoft365ErrorCode.MailMessageInvalid,
      details: { field: 'to' },
    });
    expect(failure({ to: ['ok@contoso.com'], cc: ['broken'], subject: 's' })).toMatchObject({
      details: { field: 'cc.0' },
    });
    const many = Array.from({ length: 501 }, (_v, i) => `u${i}@contoso.com`);
    expect(failure({ to: many, subject: 's' }).message).toContain('at most 500');
    expect(failure({ to: ['a@contoso.com'], subject: 's', headers: { 'Reply-To': 'x' } }).message).toContain(
      'x-',
    );
    expect(
      failure({
        to: ['a@contoso.com'],
        subject: 's',
        attachments: [{ filename: ' ', content: Buffer.alloc(1) }],
      }),
    ).toMatchObject({ details: { field: 'attachments.0.filename' } });
  });

  it('refuses messages over 150 MB as too large', () => {
    const chunk = Buffer.alloc(3 * 1024 * 1024);
    const attachments = Array.from({ length: 51 }, (_v, i) => ({ filename: `f${i}.bin`, content: chunk }));
    const error = failure({ to: ['a@contoso.com'], subject: 's', attachments });
    expect(error.code).toBe(Microsoft365ErrorCode.MailMessageTooLarge);
    expect(error.message).toContain('150.0 MB');
  });
});
