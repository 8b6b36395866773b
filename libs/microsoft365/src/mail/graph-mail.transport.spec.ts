import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { GraphMailTransport } from './graph-mail.transport';
import { type GraphMailMessage, type GraphMailReceipt } from './graph-mail-message';
import { createTransport } from 'nodemailer';

describe('GraphMailTransport (nodemailer)', () => {
  const sent: { pbxTenantId: string; message: GraphMailMessage }[] = [];
  let failWith: Error | undefined;
  const service = {
    send: (pbxTenantId: string, message: GraphMailMessage): Promise<GraphMailReceipt> => {
      if (failWith) return Promise.reject(failWith);
      sent.push({ pbxTenantId, message });
      return Promise.resolve({
        pbxTenantId,
        sender: 'pbx@contoso.com',
        method: 'sendMail',
        recipients: 3,
        attachments: 2,
        attachmentBytes: 10,
        uploadSessions: 0,
        savedToSentItems: false,
        acceptedAt: new Date(),
      });
    },
  };

  beforeEach(() => {
    sent.length = 0;
    failWith = undefined;
  });

  it('maps a nodemailer message to the Graph mail service', async () => {
    const transporter = createTransport(new GraphMailTransport(service, 'tenant-1'));
    const wav = Buffer.from('RIFF....WAVE');
    const info = await transporter.sendMail({
      from: 'Ignored <someone@else.com>',
      to: 'Ann <ann@contoso.com>, bob@contoso.com',
      cc: [{ name: 'Team', address: 'team@contoso.com' }],
      bcc: 'Audit: audit1@contoso.com, audit2@contoso.com;',
      replyTo: 'noreply@contoso.com',
      subject: 'Voicemail from +49 30 1234',
      text: 'plain',
      html: '<p>rich <img src="cid:logo"></p>',
      priority: 'high',
      headers: { 'X-PBX-Call-Id': '42', 'List-Id': 'dropped' },
      attachments: [
        { filename: 'voicemail.wav', content: wav, contentType: 'audio/wav' },
        { filename: 'note.txt', content: 'aGVsbG8=', encoding: 'base64' },
        { filename: 'logo.png', content: Buffer.from('png'), cid: 'logo' },
      ],
    });
    expect(sent).toHaveLength(1);
    const { pbxTenantId, message } = sent[0]!;
    expect(pbxTenantId).toBe('tenant-1');
    expect(message).toMatchObject({
      to: [{ address: 'ann@contoso.com', name: 'Ann' }, { address: 'bob@contoso.com' }],
      cc: [{ address: 'team@contoso.com', name: 'Team' }],
      bcc: [{ address: 'audit1@contoso.com' }, { address: 'audit2@contoso.com' }],
      replyTo: [{ address: 'noreply@contoso.com' }],
      subject: 'Voicemail from +49 30 1234',
      text: 'plain',
      html: '<p>rich <img src="cid:logo"></p>',
      importance: 'high',
      headers: { 'X-PBX-Call-Id': '42' },
    });
    const [voicemail, note, logo] = message.attachments ?? [];
    expect(voicemail).toMatchObject({ filename: 'voicemail.wav', contentType: 'audio/wav' });
    expect(Buffer.from(voicemail!.content).equals(wav)).toBe(true);
    expect(Buffer.from(note!.content).toString()).toBe('hello');
    expect(logo).toMatchObject({ filename: 'logo.png', contentId: 'logo', contentType: 'image/png' });
    expect(info.accepted).toEqual([
      'ann@contoso.com',
      'bob@contoso.com',
      'team@contoso.com',
      'audit1@contoso.com',
      'audit2@contoso.com',
    ]);
    expect(info.response).toContain('202 Accepted');
    expect(info.messageId).toMatch(/^<.+>$/);
  });

  it('rejects sendMail with the service error, code and action intact', async () => {
    failWith = new Microsoft365Exception(Microsoft365ErrorCode.PermissionMissing, 'no Mail.Send', {
      action: 'grant it',
    });
    const transporter = createTransport(new GraphMailTransport(service, 'tenant-1'));
    await expect(
      transporter.sendMail({ to: 'a@contoso.com', subject: 's', text: 't' }),
    ).rejects.toMatchObject({
      code: Microsoft365ErrorCode.PermissionMissing,
      action: 'grant it',
    });
  });
});
