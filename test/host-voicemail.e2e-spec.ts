import { createTestApp, type TenantWithAdmin, type TestApp } from '@pbx/test/support/create-test-app';
import {
  connectTenant,
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';
import { createHash } from 'node:crypto';

/** The reference host's voicemail-to-email, sent through the module's GraphMailService instead of SMTP. */
describe('host voicemail notifications through Microsoft 365', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let pbx: TenantWithAdmin;
  let base: string;
  let userId: string;

  beforeAll(async () => {
    m365 = await startEmulatedMicrosoft365({ users: 3 });
    t = await createTestApp({ microsoft365: m365.moduleOptions });
    pbx = await t.createTenantWithAdmin();
    base = await connectTenant(t, m365, pbx, {
      permissions: ['Mail.Send', 'Mail.ReadWrite'],
      settings: { features: { mail: true } },
    });
    const created = await t.createUser(pbx.adminToken, pbx.tenant.id, {
      extension: '4711',
      displayName: 'Vera Voice',
      email: 'vera@fabrikam.example',
    });
    userId = created.user.id;
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  const voicemails = () => `/api/tenants/${pbx.tenant.id}/users/${userId}/voicemails`;
  const sent = () => m365.emulator.control.listSentMail({ tenant: m365.seeded.tenantId });

  it('answers with the module error and what to do while mail is not configured', async () => {
    const response = await t
      .as(pbx.adminToken)
      .post(voicemails())
      .send({ callerNumber: '+49 30 555', durationSeconds: 3 });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.body).toMatchObject({
      code: expect.any(String) as string,
      action: expect.any(String) as string,
    });
  });

  it('mails a short voicemail with its WAV attached in one sendMail, and a long one through an upload session', async () => {
    const sender = m365.seeded.sampleUserPrincipalNames[0] ?? '';
    await t
      .as(pbx.adminToken)
      .patch(`${base}/mail/settings`)
      .send({ senderAddress: sender, enabled: true })
      .expect(200);
    m365.emulator.control.clearSentMail({});

    const short = await t
      .as(pbx.adminToken)
      .post(voicemails())
      .send({ callerNumber: '+49 30 555', callerName: 'Fabrikam Reception', durationSeconds: 5 })
      .expect(201);
    expect(short.body).toMatchObject({
      to: 'vera@fabrikam.example',
      recordingBytes: 44 + 5 * 16_000,
      method: 'sendMail',
    });

    const long = await t
      .as(pbx.adminToken)
      .post(voicemails())
      .send({ callerNumber: '+49 30 556', durationSeconds: 210 })
      .expect(201);
    expect(long.body).toMatchObject({ method: 'draft', recordingBytes: 44 + 210 * 16_000 });

    const [first, second] = sent();
    expect(sent()).toHaveLength(2);
    expect(first?.message.subject).toBe('New voicemail from Fabrikam Reception (+49 30 555) (0:05)');
    expect(first?.message.toRecipients).toEqual([{ address: 'vera@fabrikam.example', name: 'Vera Voice' }]);
    expect(first?.attachments).toEqual([
      expect.objectContaining({
        contentType: 'audio/wav',
        size: 44 + 5 * 16_000,
        name: expect.stringMatching(/\.wav$/),
      }),
    ]);
    const delivered = Buffer.from(first?.attachments[0]?.contentBytes ?? '', 'base64');
    expect(delivered.toString('ascii', 0, 4)).toBe('RIFF');
    expect(createHash('sha256').update(delivered).digest('hex')).toBe(first?.attachments[0]?.sha256);
    expect(second).toMatchObject({ via: 'draft' });
    expect(second?.attachments[0]?.size).toBe(44 + 210 * 16_000);
  });

  it('refuses bad input with the field, and users of other tenants', async () => {
    const bad = await t
      .as(pbx.adminToken)
      .post(voicemails())
      .send({ callerNumber: 'x; drop', durationSeconds: 0 })
      .expect(400);
    const fields = (bad.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(['callerNumber', 'durationSeconds']);
    const other = await t.createTenantWithAdmin();
    await t
      .as(other.adminToken)
      .post(voicemails())
      .send({ callerNumber: '+1 555', durationSeconds: 2 })
      .expect(403);
  });
});
