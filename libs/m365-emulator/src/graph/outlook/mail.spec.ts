import { createHash, randomBytes } from 'node:crypto';
import { DEFAULT_SEED_PERMISSIONS } from '../../seed/directory.seeder';
import { EmulatorFixture } from '../../testing/emulator.fixture';
import { fetch } from 'undici';

type Row = Record<string, unknown>;

describe('sendMail, drafts, upload sessions and the sent-mail log', () => {
  let fixture: EmulatorFixture;
  let token: string;
  let sender: string;

  beforeAll(async () => {
    fixture = await EmulatorFixture.start({
      seed: { users: 5, app: { permissions: [...DEFAULT_SEED_PERMISSIONS, 'Mail.Send', 'Mail.ReadWrite'] } },
    });
    token = await fixture.token();
    sender = fixture.seeded.sampleUserPrincipalNames[0] ?? '';
  });

  afterAll(async () => {
    await fixture.close();
  });

  beforeEach(() => {
    fixture.emulator.control.clearSentMail({});
  });

  const post = (path: string, body: unknown, useToken = token) =>
    fixture.graph(path, {
      token: useToken,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const sent = () => fixture.emulator.control.listSentMail({ tenant: fixture.tenantId });
  const recipient = (address: string, name?: string) => ({
    emailAddress: { address, ...(name ? { name } : {}) },
  });
  const tokenWithout = async (permission: string): Promise<string> => {
    const control = fixture.emulator.control;
    control.revokePermissions({
      tenant: fixture.tenantId,
      clientId: fixture.clientId,
      permissions: [permission],
    });
    const reduced = await fixture.token();
    control.grantPermissions({
      tenant: fixture.tenantId,
      clientId: fixture.clientId,
      permissions: [permission],
    });
    return reduced;
  };

  it('accepts sendMail with 202 and records exactly what was delivered', async () => {
    const wav = randomBytes(48_000);
    const result = await post(`/users/${sender}/sendMail`, {
      message: {
        subject: 'Missed call from +49 30 1234',
        body: { contentType: 'HTML', content: '<p>You missed a call.</p>' },
        toRecipients: [recipient('fran@contoso.com', 'Fran')],
        ccRecipients: [recipient('cc@contoso.com')],
        bccRecipients: [recipient('audit@contoso.com')],
        replyTo: [recipient('noreply@contoso.com')],
        internetMessageHeaders: [{ name: 'x-pbx-call-id', value: '1234' }],
        attachments: [
          {
            '@odata.type': '#microsoft.graph.fileAttachment',
            name: 'voicemail.wav',
            contentType: 'audio/wav',
            contentBytes: wav.toString('base64'),
          },
        ],
      },
      saveToSentItems: false,
    });
    expect(result.status).toBe(202);
    expect(result.text).toBe('');
    const records = sent();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      via: 'sendMail',
      saveToSentItems: false,
      mailbox: { userPrincipalName: sender },
      message: {
        subject: 'Missed call from +49 30 1234',
        body: { contentType: 'html', content: '<p>You missed a call.</p>' },
        toRecipients: [{ address: 'fran@contoso.com', name: 'Fran' }],
        ccRecipients: [{ address: 'cc@contoso.com', name: null }],
        bccRecipients: [{ address: 'audit@contoso.com', name: null }],
        replyTo: [{ address: 'noreply@contoso.com', name: null }],
        internetMessageHeaders: [{ name: 'x-pbx-call-id', value: '1234' }],
      },
      attachments: [{ name: 'voicemail.wav', contentType: 'audio/wav', size: wav.length }],
    });
    expect(Buffer.from(records[0]?.attachments[0]?.contentBytes ?? '', 'base64').equals(wav)).toBe(true);

    // Over the HTTP control API too.
    const viaHttp = await fixture.fetch(`/_emulator/listSentMail?tenant=${fixture.tenantId}`);
    expect((viaHttp.json as unknown as Row[]).length).toBe(1);
  });

  it('rejects invalid messages and requests over 4 MB', async () => {
    const oversize = await post(`/users/${sender}/sendMail`, {
      message: {
        toRecipients: [recipient('fran@contoso.com')],
        attachments: [
          {
            '@odata.type': '#microsoft.graph.fileAttachment',
            name: 'big.bin',
            contentBytes: randomBytes(3_200_000).toString('base64'),
          },
        ],
      },
    });
    expect(oversize.status).toBe(413);
    expect(oversize.json).toMatchObject({ error: { code: 'RequestEntityTooLarge' } });
    const noRecipients = await post(`/users/${sender}/sendMail`, { message: { subject: 'x' } });
    expect(noRecipients.json).toMatchObject({ error: { code: 'ErrorInvalidRecipients' } });
    const badType = await post(`/users/${sender}/sendMail`, {
      message: { toRecipients: [recipient('a@b.c')], body: { contentType: 'markdown', content: '#' } },
    });
    expect(badType.status).toBe(400);
    const badAddress = await post(`/users/${sender}/sendMail`, {
      message: { toRecipients: [recipient('not-an-address')] },
    });
    expect(badAddress.json).toMatchObject({ error: { code: 'ErrorInvalidRecipients' } });
    const sendAs = await post(`/users/${sender}/sendMail`, {
      message: { toRecipients: [recipient('a@b.c')], from: recipient('ceo@contoso.onmicrosoft.com') },
    });
    expect(sendAs.status).toBe(403);
    expect(sendAs.json).toMatchObject({ error: { code: 'ErrorSendAsDenied' } });
    expect(sent()).toHaveLength(0);
  });

  it('needs Mail.Send for sendMail and Mail.ReadWrite for drafts', async () => {
    const withoutSend = await tokenWithout('Mail.Send');
    const denied = await post(
      `/users/${sender}/sendMail`,
      { message: { toRecipients: [recipient('a@b.c')] } },
      withoutSend,
    );
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ error: { code: 'ErrorAccessDenied' } });
    const withoutWrite = await tokenWithout('Mail.ReadWrite');
    const draftDenied = await post(`/users/${sender}/messages`, { subject: 'draft' }, withoutWrite);
    expect(draftDenied.status).toBe(403);
    expect(sent()).toHaveLength(0);
  });

  it('attaches ~5 MB through createUploadSession and chunked PUTs, then sends the draft exactly once', async () => {
    const file = randomBytes(5 * 1024 * 1024 + 123);
    const draft = await post(`/users/${sender}/messages`, {
      subject: 'Call recording',
      body: { contentType: 'Text', content: 'See attachment' },
      toRecipients: [recipient('boss@contoso.com')],
    });
    expect(draft.status).toBe(201);
    expect(draft.json).toMatchObject({ isDraft: true, subject: 'Call recording' });
    const messageId = String(draft.json['id']);

    const small = await post(`/users/${sender}/messages/${messageId}/attachments/createUploadSession`, {
      AttachmentItem: { attachmentType: 'file', name: 'tiny.txt', size: 1000 },
    });
    expect(small.json).toMatchObject({
      error: { code: 'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize' },
    });

    const session = await post(`/users/${sender}/messages/${messageId}/attachments/createUploadSession`, {
      AttachmentItem: {
        attachmentType: 'file',
        name: 'recording.wav',
        size: file.length,
        contentType: 'audio/wav',
      },
    });
    expect(session.status).toBe(201);
    expect(session.json).toMatchObject({
      nextExpectedRanges: ['0-'],
      expirationDateTime: expect.any(String),
    });
    const uploadUrl = String(session.json['uploadUrl']);
    const put = (start: number, end: number, headers: Record<string, string> = {}, total = file.length) =>
      fetch(uploadUrl, {
        method: 'PUT',
        dispatcher: fixture.agent,
        headers: {
          'content-type': 'application/octet-stream',
          'content-range': `bytes ${start}-${end}/${total}`,
          ...headers,
        },
        body: file.subarray(start, end + 1),
      });
    const chunk = 2 * 1024 * 1024;

    expect((await put(0, chunk - 1, { authorization: `Bearer ${token}` })).status).toBe(401);
    expect((await put(chunk, 2 * chunk - 1)).status).toBe(416);
    const first = await put(0, chunk - 1);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ nextExpectedRanges: [String(chunk)] });
    const overlap = await put(chunk - 10, 2 * chunk - 1);
    expect(overlap.status).toBe(416);
    expect(await overlap.json()).toMatchObject({
      error: { code: 'invalidRange', innerError: { code: 'fragmentOverlap' } },
    });
    expect((await put(chunk, 2 * chunk - 1, {}, file.length + 1)).status).toBe(400);
    expect((await put(0, file.length - 1)).status).toBe(413);
    expect((await put(chunk, 2 * chunk - 1)).status).toBe(200);
    const last = await put(2 * chunk, file.length - 1);
    expect(last.status).toBe(201);
    expect(last.headers.get('location')).toContain(`/Messages('${messageId}')/Attachments('`);

    expect(sent()).toHaveLength(0);
    const send = await post(`/users/${sender}/messages/${messageId}/send`, {});
    expect(send.status).toBe(202);
    expect((await post(`/users/${sender}/messages/${messageId}/send`, {})).json).toMatchObject({
      error: { code: 'ErrorItemNotFound' },
    });
    const records = sent();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      via: 'draft',
      message: { subject: 'Call recording', toRecipients: [{ address: 'boss@contoso.com' }] },
      attachments: [
        {
          name: 'recording.wav',
          contentType: 'audio/wav',
          size: file.length,
          sha256: createHash('sha256').update(file).digest('hex'),
        },
      ],
    });
    expect(Buffer.from(records[0]?.attachments[0]?.contentBytes ?? '', 'base64').equals(file)).toBe(true);
  });

  it('adds small attachments to a draft one by one and honours PidTagDeleteAfterSubmit', async () => {
    const first = randomBytes(2 * 1024 * 1024);
    const second = randomBytes(2 * 1024 * 1024 + 7);
    const draft = await post(`/users/${sender}/messages`, {
      subject: 'Two recordings',
      toRecipients: [recipient('boss@contoso.com')],
      singleValueExtendedProperties: [{ id: 'Boolean 0x0E01', value: 'true' }],
    });
    expect(draft.status).toBe(201);
    const messageId = String(draft.json['id']);
    for (const [name, bytes] of [
      ['a.wav', first],
      ['b.wav', second],
    ] as const) {
      const added = await post(`/users/${sender}/messages/${messageId}/attachments`, {
        '@odata.type': '#microsoft.graph.fileAttachment',
        name,
        contentType: 'audio/wav',
        contentBytes: bytes.toString('base64'),
      });
      expect(added.status).toBe(201);
      expect(added.json).toMatchObject({ name, size: bytes.length, isInline: false });
    }
    const untyped = await post(`/users/${sender}/messages/${messageId}/attachments`, { name: 'x' });
    expect(untyped.status).toBe(400);
    const badProperty = await post(`/users/${sender}/messages`, {
      singleValueExtendedProperties: [{ id: 'Boolean 0x0E01', value: true }],
    });
    expect(badProperty.status).toBe(400);

    expect((await post(`/users/${sender}/messages/${messageId}/send`, {})).status).toBe(202);
    const records = sent();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      via: 'draft',
      saveToSentItems: false,
      attachments: [
        { name: 'a.wav', size: first.length },
        { name: 'b.wav', size: second.length },
      ],
    });
  });

  it('can lose the answer after a mail was accepted (failAfterHandlingNext)', async () => {
    fixture.emulator.control.failAfterHandlingNext({ count: 1, route: '/sendMail$' });
    const lost = await post(`/users/${sender}/sendMail`, {
      message: { subject: 'accepted, answer lost', toRecipients: [recipient('x@contoso.com')] },
    });
    expect(lost.status).toBe(504);
    expect(lost.json).toMatchObject({ error: { code: 'GatewayTimeout' } });
    expect(sent().map((record) => record.message.subject)).toEqual(['accepted, answer lost']);
    const next = await post(`/users/${sender}/sendMail`, {
      message: { subject: 'answered', toRecipients: [recipient('x@contoso.com')] },
    });
    expect(next.status).toBe(202);
    expect(() => fixture.emulator.control.failAfterHandlingNext({ count: 1, status: 404 })).toThrow();
  });

  it('sends mail from inside a JSON $batch', async () => {
    const batch = await post('/$batch', {
      requests: [
        {
          id: '1',
          method: 'POST',
          url: `/users/${sender}/sendMail`,
          headers: { 'Content-Type': 'application/json' },
          body: { message: { subject: 'batched', toRecipients: [recipient('x@contoso.com')] } },
        },
      ],
    });
    expect((batch.json['responses'] as Row[])[0]?.['status']).toBe(202);
    expect(sent().map((record) => record.message.subject)).toEqual(['batched']);
  });
});
