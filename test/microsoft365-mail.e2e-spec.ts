import { GraphMailService, Microsoft365Cloud, voicemailNotification } from '@pbx/microsoft365';
import { AppTokenProvider } from '@pbx/microsoft365/graph/app-token.provider';
import { GraphApi } from '@pbx/microsoft365/graph/graph-api.service';
import { GRAPH_RESILIENCE_SETTINGS } from '@pbx/microsoft365/graph/graph-client.provider';
import { defaultResilienceSettings } from '@pbx/microsoft365/graph/resilience.middleware';
import { TenantTokenService } from '@pbx/microsoft365/graph/tenant-token.service';
import { MAIL_LIMITS } from '@pbx/microsoft365/mail/mail-limits';
import { silentWav } from '@pbx/microsoft365/mail/test-mail';
import { type SentMailRecord } from '@pbx/m365-emulator';
import { createTestApp, type TenantWithAdmin, type TestApp } from '@pbx/test/support/create-test-app';
import { scrapeMetrics } from '@pbx/test/support/prometheus-scrape';
import {
  connectTenant,
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';

/**
 * Issue 7: a PBX tenant sends its notification mail (voicemail with the recording, missed calls, tests) through
 * Microsoft Graph against the emulator over HTTPS, on a real PostgreSQL.
 */
describe('Microsoft 365 mail through Graph', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let tenantA: TenantWithAdmin;
  let tenantB: TenantWithAdmin;
  let sender: string;
  let base: string;
  let mail: GraphMailService;
  /** Every wait the Graph client was told to make (Retry-After, backoff); tests do not really sleep. */
  const waits: number[] = [];

  const control = () => m365.emulator.control;
  const app = () => ({ tenant: m365.seeded.tenantId, clientId: m365.seeded.clientId });
  const sent = (): SentMailRecord[] => control().listSentMail({ tenant: m365.seeded.tenantId });
  const routeCount = (route: string, status: number) =>
    control().getCounters().byRoute[route]?.[String(status)] ?? 0;
  const SEND_MAIL = 'POST /v1.0/users/{id}/sendMail';
  const SEND_DRAFT = 'POST /v1.0/users/{id}/messages/{messageId}/send';
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  const asA = () => t.as(tenantA.adminToken);
  /** A fresh token, so that permission changes in Entra take effect at once. */
  const forgetTokens = () => {
    t.get(TenantTokenService).evict(tenantA.tenant.id);
    t.get(AppTokenProvider).evict(tenantA.tenant.id);
  };

  beforeAll(async () => {
    m365 = await startEmulatedMicrosoft365();
    t = await createTestApp({
      microsoft365: m365.moduleOptions,
      override: (builder) =>
        builder.overrideProvider(GRAPH_RESILIENCE_SETTINGS).useValue({
          ...defaultResilienceSettings(),
          sleep: (ms: number) => {
            waits.push(ms);
            return Promise.resolve();
          },
        }),
    });
    const system = await t.loginAsSystemAdmin();
    tenantA = await t.createTenantWithAdmin(system);
    tenantB = await t.createTenantWithAdmin(system);
    base = await connectTenant(t, m365, tenantA, { permissions: ['Mail.Send', 'Mail.ReadWrite'] });
    sender = m365.seeded.sampleUserPrincipalNames[0] ?? '';
    mail = t.get(GraphMailService);
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  beforeEach(() => {
    control().clearSentMail({});
    control().clearThrottles({});
    control().resetCounters({});
    waits.length = 0;
  });

  describe('settings', () => {
    it('starts switched off, without a mailbox, and lists the permissions to grant', async () => {
      const response = await asA().get(`${base}/mail/settings`).expect(200);
      expect(response.body).toEqual({
        pbxTenantId: tenantA.tenant.id,
        enabled: false,
        senderAddress: null,
        saveToSentItems: false,
        requiredPermissions: ['Mail.Send', 'Mail.ReadWrite'],
        updatedAt: null,
      });
    });

    it('answers 400 with the offending fields', async () => {
      const bad = await asA()
        .patch(`${base}/mail/settings`)
        .send({ senderAddress: 'not-a-mailbox', enabled: 'yes', colour: 'red' })
        .expect(400);
      const fields = (bad.body as { errors: { field: string }[] }).errors.map((error) => error.field).sort();
      expect(fields).toEqual(['colour', 'enabled', 'senderAddress']);
      const noMailbox = await asA().patch(`${base}/mail/settings`).send({ enabled: true }).expect(400);
      expect(noMailbox.body).toMatchObject({
        errors: [{ field: 'senderAddress', reasons: ['Set the sending mailbox before switching mail on'] }],
      });
      const test = await asA()
        .post(`${base}/mail/test-mail`)
        .send({ to: 'nobody', attachment: 'huge' })
        .expect(400);
      expect(
        (test.body as { errors: { field: string }[] }).errors.map((error) => error.field).sort(),
      ).toEqual(['attachment', 'to']);
    });

    it('refuses to send before a mailbox is set, then saves the settings and the feature switch', async () => {
      const early = await asA().post(`${base}/mail/test-mail`).send({ to: 'ann@contoso.com' }).expect(409);
      expect(early.body).toMatchObject({ code: 'NOT_CONFIGURED', message: 'No sending mailbox is set' });
      const saved = await asA()
        .patch(`${base}/mail/settings`)
        .send({ senderAddress: sender, enabled: true })
        .expect(200);
      expect(saved.body).toMatchObject({ enabled: true, senderAddress: sender, saveToSentItems: false });
      const settings = await asA().get(`${base}/settings`).expect(200);
      expect(settings.body).toMatchObject({ features: { mail: true } });
    });

    it("keeps other tenants' admins out", async () => {
      const asB = t.as(tenantB.adminToken);
      await asB.get(`${base}/mail/settings`).expect(403);
      await asB.patch(`${base}/mail/settings`).send({ senderAddress: 'evil@contoso.com' }).expect(403);
      await asB.post(`${base}/mail/test-mail`).send({ to: 'evil@contoso.com' }).expect(403);
      await t.http().get(`${base}/mail/settings`).expect(401);
      const unknown = await asA().get(`/api/microsoft365/tenants/${randomUUID()}/mail/settings`);
      expect([403, 404]).toContain(unknown.status);
      expect(sent()).toHaveLength(0);
    });
  });

  describe('sending', () => {
    it('delivers a voicemail with a small recording in one sendMail request', async () => {
      const recording = silentWav(200_000);
      const metricsBefore = await scrapeMetrics(t);
      const receipt = await mail.send(
        tenantA.tenant.id,
        voicemailNotification({
          to: ['Ann <ann@contoso.com>'],
          caller: { number: '+49 30 1234', name: 'Bob' },
          extension: '201',
          receivedAt: new Date('2026-11-22T10:05:00Z'),
          durationSeconds: 12,
          recording: { filename: 'voicemail.wav', content: recording },
        }),
      );
      expect(receipt).toMatchObject({ method: 'sendMail', sender, attachments: 1, uploadSessions: 0 });
      const records = sent();
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        via: 'sendMail',
        saveToSentItems: false,
        mailbox: { userPrincipalName: sender },
        message: {
          subject: 'New voicemail from Bob (+49 30 1234) (0:12)',
          toRecipients: [{ address: 'ann@contoso.com', name: 'Ann' }],
          body: { contentType: 'html' },
          internetMessageHeaders: [{ name: 'x-pbx-notification', value: 'voicemail' }],
        },
        attachments: [{ name: 'voicemail.wav', contentType: 'audio/wav', size: recording.length }],
      });
      expect(records[0]?.message.body.content).toContain('You have a new voicemail');
      expect(records[0]?.attachments[0]?.sha256).toBe(sha256(recording));
      expect(routeCount(SEND_MAIL, 202)).toBe(1);
      // Counted as the mail feature's Graph request.
      const sendMails = { feature: 'mail', status: '202' };
      const metricsAfter = await scrapeMetrics(t);
      expect(metricsAfter.since(metricsBefore, 'microsoft365_graph_requests_total', sendMails)).toBe(1);
    });

    it('keeps cc, bcc and reply-to on the small path (one sendMail)', async () => {
      const receipt = await mail.send(tenantA.tenant.id, {
        to: ['Ann <ann@contoso.com>'],
        cc: [{ address: 'team@contoso.com', name: 'Team' }, 'desk@contoso.com'],
        bcc: ['audit@contoso.com'],
        replyTo: [{ address: 'noreply@contoso.com', name: 'PBX' }],
        subject: 'Missed call from 201',
        text: 'You missed a call from extension 201.',
      });
      expect(receipt).toMatchObject({ method: 'sendMail', recipients: 4, uploadSessions: 0 });
      expect(sent()).toHaveLength(1);
      expect(sent()[0]).toMatchObject({
        via: 'sendMail',
        message: {
          subject: 'Missed call from 201',
          body: { contentType: 'text', content: 'You missed a call from extension 201.' },
          toRecipients: [{ address: 'ann@contoso.com', name: 'Ann' }],
          ccRecipients: [{ address: 'team@contoso.com', name: 'Team' }, { address: 'desk@contoso.com' }],
          bccRecipients: [{ address: 'audit@contoso.com' }],
          replyTo: [{ address: 'noreply@contoso.com', name: 'PBX' }],
        },
      });
      expect(routeCount(SEND_MAIL, 202)).toBe(1);
      expect(routeCount(SEND_DRAFT, 202)).toBe(0);
    });

    it('sends a large recording through a draft and a chunked upload session, to/cc/bcc/reply-to intact', async () => {
      const recording = randomBytes(5 * 1024 * 1024 + 321);
      const small = randomBytes(10_000);
      const receipt = await mail.send(tenantA.tenant.id, {
        to: ['ann@contoso.com'],
        cc: [{ address: 'team@contoso.com', name: 'Team' }],
        bcc: ['audit@contoso.com'],
        replyTo: ['noreply@contoso.com'],
        subject: 'Long voicemail',
        text: 'The recording is attached.',
        attachments: [
          { filename: 'long.wav', content: recording, contentType: 'audio/wav' },
          { filename: 'transcript.txt', content: small, contentType: 'text/plain' },
        ],
      });
      expect(receipt).toMatchObject({ method: 'draft', uploadSessions: 1, attachments: 2 });
      const records = sent();
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        via: 'draft',
        // PidTagDeleteAfterSubmit: the tenant does not keep copies in Sent Items.
        saveToSentItems: false,
        message: {
          subject: 'Long voicemail',
          body: { contentType: 'text', content: 'The recording is attached.' },
          toRecipients: [{ address: 'ann@contoso.com' }],
          ccRecipients: [{ address: 'team@contoso.com', name: 'Team' }],
          bccRecipients: [{ address: 'audit@contoso.com' }],
          replyTo: [{ address: 'noreply@contoso.com' }],
        },
      });
      const byName = new Map(records[0]?.attachments.map((file) => [file.name, file]));
      expect(byName.get('long.wav')).toMatchObject({ size: recording.length, sha256: sha256(recording) });
      expect(byName.get('transcript.txt')).toMatchObject({ size: small.length, sha256: sha256(small) });
      expect(
        routeCount('POST /v1.0/users/{id}/messages/{messageId}/attachments/createUploadSession', 201),
      ).toBe(1);
      // 5 MB in chunks of 3,200 KiB: one intermediate 200 and the final 201.
      expect(routeCount('PUT /api/v2.0/{owner}/{message}/{session}', 200)).toBe(1);
      expect(routeCount('PUT /api/v2.0/{owner}/{message}/{session}', 201)).toBe(1);
      expect(routeCount(SEND_DRAFT, 202)).toBe(1);
      expect(routeCount(SEND_MAIL, 202)).toBe(0);
    });

    it('sends through nodemailer with the Graph transport, small and large', async () => {
      const transporter = createTransport(mail.nodemailerTransport(tenantA.tenant.id));
      const large = randomBytes(3 * 1024 * 1024 + 5);
      const info = await transporter.sendMail({
        from: 'ignored@elsewhere.com',
        to: 'Ann <ann@contoso.com>',
        subject: 'Missed call',
        text: 'You missed a call',
        html: '<p>You missed a call</p>',
        headers: { 'X-PBX-Call-Id': 'abc' },
        attachments: [{ filename: 'card.vcf', content: 'BEGIN:VCARD\r\nEND:VCARD\r\n' }],
      });
      expect(info.accepted).toEqual(['ann@contoso.com']);
      const largeInfo = await transporter.sendMail({
        to: 'Bob <bob@contoso.com>',
        cc: 'carol@contoso.com',
        bcc: 'audit@contoso.com',
        replyTo: 'noreply@contoso.com',
        subject: 'Recording',
        text: 'attached',
        attachments: [{ filename: 'rec.wav', content: large }],
      });
      expect([...largeInfo.accepted].sort()).toEqual([
        'audit@contoso.com',
        'bob@contoso.com',
        'carol@contoso.com',
      ]);
      const [first, second] = sent();
      expect(first).toMatchObject({
        via: 'sendMail',
        message: {
          subject: 'Missed call',
          body: { contentType: 'html', content: '<p>You missed a call</p>' },
          toRecipients: [{ address: 'ann@contoso.com', name: 'Ann' }],
          internetMessageHeaders: [{ name: 'X-PBX-Call-Id', value: 'abc' }],
        },
        attachments: [{ name: 'card.vcf', contentType: 'text/x-vcard' }],
      });
      expect(Buffer.from(first?.attachments[0]?.contentBytes ?? '', 'base64').toString()).toBe(
        'BEGIN:VCARD\r\nEND:VCARD\r\n',
      );
      expect(second).toMatchObject({
        via: 'draft',
        message: {
          subject: 'Recording',
          body: { contentType: 'text', content: 'attached' },
          toRecipients: [{ address: 'bob@contoso.com', name: 'Bob' }],
          ccRecipients: [{ address: 'carol@contoso.com' }],
          bccRecipients: [{ address: 'audit@contoso.com' }],
          replyTo: [{ address: 'noreply@contoso.com' }],
        },
        attachments: [{ name: 'rec.wav', sha256: sha256(large) }],
      });
    });

    it('sends test mail from the admin API, through both paths', async () => {
      const small = await asA().post(`${base}/mail/test-mail`).send({ to: 'admin@contoso.com' }).expect(200);
      expect(small.body).toMatchObject({
        sender,
        method: 'sendMail',
        recipients: 1,
        savedToSentItems: false,
      });
      await asA().patch(`${base}/mail/settings`).send({ saveToSentItems: true }).expect(200);
      const large = await asA()
        .post(`${base}/mail/test-mail`)
        .send({ to: 'admin@contoso.com', attachment: 'large', subject: 'Large test' })
        .expect(200);
      expect(large.body).toMatchObject({ method: 'draft', uploadSessions: 1, savedToSentItems: true });
      await asA().patch(`${base}/mail/settings`).send({ saveToSentItems: false }).expect(200);
      expect(sent().map((record) => [record.via, record.message.subject, record.saveToSentItems])).toEqual([
        ['sendMail', 'Test message from your PBX (Microsoft 365)', false],
        ['draft', 'Large test', true],
      ]);
    });
  });

  describe('errors the admin can act on', () => {
    afterEach(async () => {
      control().grantPermissions({ ...app(), permissions: ['Mail.Send', 'Mail.ReadWrite'] });
      forgetTokens();
      await asA().patch(`${base}/mail/settings`).send({ senderAddress: sender, enabled: true }).expect(200);
    });

    it('names a missing Mail.Send, and Mail.ReadWrite for large attachments', async () => {
      control().revokePermissions({ ...app(), permissions: ['Mail.Send'] });
      forgetTokens();
      const response = await asA()
        .post(`${base}/mail/test-mail`)
        .send({ to: 'admin@contoso.com' })
        .expect(424);
      expect(response.body).toMatchObject({
        code: 'PERMISSION_MISSING',
        message: `The app lacks the Mail.Send application permission, so it cannot send as ${sender}`,
        microsoft: { status: 403, code: 'ErrorAccessDenied', requestId: expect.any(String) },
        details: { sender, step: 'sendMail', delivery: 'not-sent' },
      });
      expect((response.body as { action: string }).action).toContain(
        'API permissions → Add a permission → Microsoft Graph → Application permissions → Mail.Send',
      );

      control().grantPermissions({ ...app(), permissions: ['Mail.Send'] });
      control().revokePermissions({ ...app(), permissions: ['Mail.ReadWrite'] });
      forgetTokens();
      const large = await asA()
        .post(`${base}/mail/test-mail`)
        .send({ to: 'admin@contoso.com', attachment: 'large' })
        .expect(424);
      expect(large.body).toMatchObject({
        code: 'PERMISSION_MISSING',
        details: { step: 'createDraft', delivery: 'not-sent' },
      });
      expect((large.body as { message: string }).message).toContain('Mail.ReadWrite');
      expect(sent()).toHaveLength(0);
    });

    it('explains an unknown mailbox and one without a licence', async () => {
      await asA()
        .patch(`${base}/mail/settings`)
        .send({ senderAddress: `nobody@${m365.seeded.domain}` })
        .expect(200);
      const unknown = await asA()
        .post(`${base}/mail/test-mail`)
        .send({ to: 'admin@contoso.com' })
        .expect(424);
      expect(unknown.body).toMatchObject({
        code: 'GRAPH_NOT_FOUND',
        message: `The sending mailbox nobody@${m365.seeded.domain} does not exist in the Microsoft 365 tenant`,
        microsoft: { status: 404, code: 'ErrorInvalidUser' },
      });

      await asA().patch(`${base}/mail/settings`).send({ senderAddress: sender }).expect(200);
      control().setMailboxEnabled({ tenant: m365.seeded.tenantId, user: sender, enabled: false });
      try {
        const unlicensed = await asA()
          .post(`${base}/mail/test-mail`)
          .send({ to: 'admin@contoso.com' })
          .expect(424);
        expect(unlicensed.body).toMatchObject({
          code: 'MAILBOX_NOT_ENABLED',
          microsoft: { code: 'MailboxNotEnabledForRESTAPI' },
        });
        expect((unlicensed.body as { action: string }).action).toContain('Exchange Online licence');
      } finally {
        control().setMailboxEnabled({ tenant: m365.seeded.tenantId, user: sender, enabled: true });
      }
    });

    it('stops the host sending while mail is switched off, but lets the admin test', async () => {
      await asA().patch(`${base}/mail/settings`).send({ enabled: false }).expect(200);
      await expect(
        mail.send(tenantA.tenant.id, { to: ['a@contoso.com'], subject: 's' }),
      ).rejects.toMatchObject({
        code: 'DISABLED',
      });
      await asA().post(`${base}/mail/test-mail`).send({ to: 'admin@contoso.com' }).expect(200);
      expect(sent()).toHaveLength(1);
    });

    it('refuses a message over 150 MB with MAIL_MESSAGE_TOO_LARGE, before any request to Microsoft', async () => {
      // Two files under the limit each, one byte over it together with the body.
      const half = MAIL_LIMITS.maxMessageBytes / 2;
      const message = {
        to: ['ann@contoso.com'],
        subject: 'Very long voicemail',
        text: 'x',
        attachments: [
          { filename: 'part1.wav', content: Buffer.alloc(half) },
          { filename: 'part2.wav', content: Buffer.alloc(half) },
        ],
      };
      await expect(mail.send(tenantA.tenant.id, message)).rejects.toMatchObject({
        code: 'MAIL_MESSAGE_TOO_LARGE',
        message: 'The message is 150.1 MB; Microsoft 365 accepts at most 150.0 MB',
        details: { bytes: 150 * 1024 * 1024 + 1, limitBytes: 150 * 1024 * 1024 },
      });
      await expect(
        createTransport(mail.nodemailerTransport(tenantA.tenant.id)).sendMail({
          to: 'ann@contoso.com',
          subject: 'Very long voicemail',
          attachments: [{ filename: 'all.wav', content: Buffer.alloc(MAIL_LIMITS.maxMessageBytes + 1) }],
        }),
      ).rejects.toMatchObject({ code: 'MAIL_MESSAGE_TOO_LARGE' });
      // Not even a token request: nothing was uploaded, no draft is left behind.
      expect(control().getCounters().total).toBe(0);
      expect(sent()).toHaveLength(0);
    });

    it('refuses malformed messages before calling Graph', async () => {
      await expect(
        mail.send(tenantA.tenant.id, { to: ['not an address'], subject: 's' }),
      ).rejects.toMatchObject({ code: 'MAIL_MESSAGE_INVALID', details: { field: 'to.0' } });
      expect(control().getCounters().total).toBe(0);
    });
  });

  describe('never twice', () => {
    it("sends a burst of 10 from one mailbox within Outlook's concurrency limit: no 429, each delivered once", async () => {
      // Each Outlook request holds one of the mailbox's 4 slots for 150 ms, as a real mailbox takes time.
      const before = control().getThrottling({}).outlook;
      control().setThrottling({
        outlook: { enabled: true, concurrentRequestsPerMailbox: 4, requestHoldMs: 150 },
      });
      // A fresh minute for the module's per-mailbox budget (30 messages a minute), which earlier tests used.
      m365.clock.advanceMs(61_000);
      try {
        // Control: six sendMail calls at once that bypass the mail service's pacing do run into the limit.
        const target = { pbxTenantId: tenantA.tenant.id, cloud: Microsoft365Cloud.Global };
        const graph = t.get(GraphApi);
        // allSettled: the refused ones give up after their retries, and every call is over before the burst.
        await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) =>
            graph.post(target, `/users/${encodeURIComponent(sender)}/sendMail`, {
              message: {
                subject: `raw ${i}`,
                toRecipients: [{ emailAddress: { address: 'ann@contoso.com' } }],
              },
            }),
          ),
        );
        expect(routeCount(SEND_MAIL, 429)).toBeGreaterThan(0);
        control().clearSentMail({});
        control().resetCounters({});
        waits.length = 0;

        const subjects = Array.from({ length: 10 }, (_, i) => `burst ${i}`);
        const receipts = await Promise.all(
          subjects.map((subject) =>
            mail.send(tenantA.tenant.id, { to: ['ann@contoso.com'], subject, text: subject }),
          ),
        );
        expect(receipts.map((receipt) => receipt.method)).toEqual(subjects.map(() => 'sendMail'));
        expect(
          sent()
            .map((record) => record.message.subject)
            .sort(),
        ).toEqual([...subjects].sort());
        // The service keeps to 2 of the mailbox's 4 slots: Outlook never had to refuse anything.
        expect(routeCount(SEND_MAIL, 429)).toBe(0);
        expect(routeCount(SEND_MAIL, 202)).toBe(10);
        expect(control().getCounters().throttled).toBe(0);
        expect(waits).toEqual([]);
      } finally {
        control().setThrottling({ outlook: before });
      }
    });

    it('retries a throttled sendMail after Retry-After and delivers it exactly once', async () => {
      control().throttleNext({ count: 2, route: '/sendMail$', retryAfterSeconds: 7 });
      await mail.send(tenantA.tenant.id, { to: ['ann@contoso.com'], subject: 'after throttling', text: 'x' });
      expect(sent().map((record) => record.message.subject)).toEqual(['after throttling']);
      expect(routeCount(SEND_MAIL, 429)).toBe(2);
      expect(routeCount(SEND_MAIL, 202)).toBe(1);
      expect(waits).toEqual([7000, 7000]);
    });

    it('retries throttled upload chunks and a throttled draft send, delivering once', async () => {
      control().throttleNext({ count: 1, route: '^/api/v2.0/', retryAfterSeconds: 3 });
      control().throttleNext({ count: 1, route: '/send$', retryAfterSeconds: 4 });
      const recording = randomBytes(4 * 1024 * 1024);
      await mail.send(tenantA.tenant.id, {
        to: ['ann@contoso.com'],
        subject: 'throttled upload',
        attachments: [{ filename: 'r.wav', content: recording }],
      });
      expect(sent()).toHaveLength(1);
      expect(sent()[0]?.attachments[0]?.sha256).toBe(sha256(recording));
      expect(routeCount(SEND_DRAFT, 202)).toBe(1);
      expect(waits).toEqual([3000, 4000]);
    });

    it('does not repeat a sendMail whose answer was lost after Graph accepted it', async () => {
      control().failAfterHandlingNext({ count: 1, route: '/sendMail$', status: 504 });
      await expect(
        mail.send(tenantA.tenant.id, { to: ['ann@contoso.com'], subject: 'accepted once', text: 'x' }),
      ).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        microsoft: { status: 504 },
        details: { delivery: 'unknown', step: 'sendMail' },
      });
      expect(sent().map((record) => record.message.subject)).toEqual(['accepted once']);
      expect(routeCount(SEND_MAIL, 504)).toBe(1);
      expect(routeCount(SEND_MAIL, 202)).toBe(0);
      expect(waits).toEqual([]);
    });

    it('does not repeat the send of a draft whose answer was lost', async () => {
      control().failAfterHandlingNext({ count: 1, route: '/send$', status: 500 });
      const response = await asA()
        .post(`${base}/mail/test-mail`)
        .send({ to: 'admin@contoso.com', attachment: 'large' })
        .expect(503);
      expect(response.body).toMatchObject({
        code: 'UNAVAILABLE',
        details: { delivery: 'unknown', step: 'send' },
      });
      expect((response.body as { message: string }).message).toContain('may or may not have been sent');
      expect(sent()).toHaveLength(1);
      expect(routeCount(SEND_DRAFT, 500)).toBe(1);
    });
  });
});
