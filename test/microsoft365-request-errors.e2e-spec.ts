import { ContactSyncSettingsEntity } from '@pbx/microsoft365/contact-sync/contact-sync-settings.entity';
import { UserSyncSettingsEntity } from '@pbx/microsoft365/user-sync/user-sync-settings.entity';
import { MICROSOFT365_REQUEST_BODY_LIMIT } from '@pbx/microsoft365';
import { type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  type DirectoryScenario,
  startSyncTestApp,
} from '@pbx/test/support/directory-scenario';
import { type EmulatedMicrosoft365 } from '@pbx/test/support/microsoft365-test-env';
import { randomUUID } from 'node:crypto';

interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  errors?: { field: string; reasons: string[] }[];
}

interface ScheduleView {
  scheduleCron: string;
  nextScheduledRunAt: string | null;
}

/**
 * What a new admin runs into first: schedules that never fire or fire every few seconds, and requests the API
 * cannot read. Every 4xx of the module's routes has one shape: statusCode, code, message and, for input
 * problems, errors: [{ field, reasons }].
 */
describe('Microsoft 365 API: schedules and the one error shape', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let s: DirectoryScenario;

  beforeAll(async () => {
    ({ m365, t } = await startSyncTestApp());
    s = await createDirectoryScenario(t, m365, {
      seed: 'request-errors',
      domain: 'request-errors.onmicrosoft.com',
      permissions: ['User.Read.All'],
      tenantSettings: { features: { userSync: true, personalContacts: true } },
    });
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  const admin = () => t.as(s.pbx.adminToken);

  function expectFieldError(body: unknown, status: number, field: string, reason: RegExp): void {
    const answer = body as ErrorBody;
    expect(answer).toMatchObject({
      statusCode: status,
      code: expect.any(String),
      message: expect.any(String),
    });
    const error = answer.errors?.find((candidate) => candidate.field === field);
    expect({ field, reasons: error?.reasons.join('; ') }).toEqual({
      field,
      reasons: expect.stringMatching(reason),
    });
  }

  /** Writes a schedule the way earlier builds saved it, without the checks the API now applies. */
  async function storeUnchecked(
    entity: typeof UserSyncSettingsEntity | typeof ContactSyncSettingsEntity,
    cron: string,
  ) {
    const em = t.orm.em.fork();
    const changed = await em.nativeUpdate(entity, { pbxTenantId: s.pbx.tenant.id }, { scheduleCron: cron });
    expect(changed).toBe(1);
  }

  it.each([
    ['user-sync', { scheduleEnabled: true, scheduleCron: '0 0 31 2 *' }, /never runs/],
    ['contact-sync', { schedule: 'CRON', scheduleCron: '0 0 30 2 *' }, /never runs/],
    ['user-sync', { scheduleCron: '0 0 29 2 *' }, /within a year/],
  ] as const)(
    'refuses a %s schedule that never fires with a 400 naming scheduleCron, and saves nothing',
    async (feature, changes, reason) => {
      const before = (await admin().get(`${s.base}/${feature}/settings`).expect(200)).body as ScheduleView;
      const refused = await admin().patch(`${s.base}/${feature}/settings`).send(changes).expect(400);
      expectFieldError(refused.body, 400, 'scheduleCron', reason);
      expect((refused.body as ErrorBody).code).toBe('INVALID_INPUT');
      const after = (await admin().get(`${s.base}/${feature}/settings`).expect(200)).body as ScheduleView;
      expect(after.scheduleCron).toBe(before.scheduleCron);
    },
  );

  it.each([
    ['user-sync', UserSyncSettingsEntity, { scheduleEnabled: true }],
    ['contact-sync', ContactSyncSettingsEntity, { schedule: 'CRON' }],
  ] as const)(
    'reads and saves %s settings whatever schedule was stored before (never fires, six fields)',
    async (feature, entity, enable) => {
      await admin().patch(`${s.base}/${feature}/settings`).send(enable).expect(200);
      for (const stored of ['0 0 31 2 *', '*/10 * * * * *', 'not a cron']) {
        await storeUnchecked(entity, stored);
        const read = (await admin().get(`${s.base}/${feature}/settings`).expect(200)).body as ScheduleView;
        // Not registered: it neither runs against Microsoft nor has a next run to show.
        expect(read).toMatchObject({ scheduleCron: stored, nextScheduledRunAt: null });
        await admin().patch(`${s.base}/${feature}/settings`).send({ selectionMode: 'ALL' }).expect(200);
      }
      const fixed = (
        await admin().patch(`${s.base}/${feature}/settings`).send({ scheduleCron: '0 2 * * *' }).expect(200)
      ).body as ScheduleView;
      expect(fixed.scheduleCron).toBe('0 2 * * *');
      expect(fixed.nextScheduledRunAt).not.toBeNull();
    },
  );

  it.each([
    ['*/10 * * * * *', /five-field/],
    ['0 0 * * * *', /five-field/],
    ['*/10 * * * *', /every 15 minutes/],
    ['0,5 8 * * *', /every 15 minutes/],
  ])('refuses the schedule %p: five fields only, at most every 15 minutes', async (cron, reason) => {
    for (const feature of ['user-sync', 'contact-sync']) {
      const refused = await admin()
        .patch(`${s.base}/${feature}/settings`)
        .send({ scheduleCron: cron })
        .expect(400);
      expectFieldError(refused.body, 400, 'scheduleCron', reason);
    }
    const accepted = await admin()
      .patch(`${s.base}/user-sync/settings`)
      .send({ scheduleCron: '*/15 * * * *' });
    expect(accepted.status).toBe(200);
  });

  it('answers malformed JSON with 400 INVALID_INPUT naming the body', async () => {
    const response = await admin()
      .patch(`${s.base}/user-sync/settings`)
      .set('content-type', 'application/json')
      .send('{"scheduleCron": ');
    expectFieldError(response.body, 400, 'body', /could not be read/);
    expect((response.body as ErrorBody).code).toBe('INVALID_INPUT');
  });

  it('answers a malformed run id with 400 INVALID_INPUT naming runId', async () => {
    for (const feature of ['user-sync', 'contact-sync']) {
      const response = await admin().get(`${s.base}/${feature}/runs/not-a-uuid`).expect(400);
      expectFieldError(response.body, 400, 'runId', /runId must be a UUID/);
      expect((response.body as ErrorBody).code).toBe('INVALID_INPUT');
    }
    await admin().get(`${s.base}/user-sync/runs/${randomUUID()}`).expect(404);
  });

  it('answers a body over the limit with 413 REQUEST_TOO_LARGE stating the limit', async () => {
    const response = await admin()
      .patch(`${s.base}/user-sync/settings`)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ selectedUsers: ['x'.repeat(MICROSOFT365_REQUEST_BODY_LIMIT)] }));
    expectFieldError(response.body, 413, 'body', /too large: this PBX accepts 3 MB/);
    expect((response.body as ErrorBody).code).toBe('REQUEST_TOO_LARGE');
  });

  it('answers an unknown module path with 404 NOT_FOUND in the same shape, and leaves the host its own', async () => {
    const unknown = await admin().get('/api/microsoft365/no-such-route').expect(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    const host = await admin()
      .post('/api/tenants')
      .set('content-type', 'application/json')
      .send('{"name": ')
      .expect(400);
    expect(host.body).toEqual(expect.not.objectContaining({ code: expect.anything() }));
  });

  it('lists only "is required" for a missing required field', async () => {
    const response = await admin().post(`${s.base}/mail/test-mail`).send({}).expect(400);
    expect((response.body as ErrorBody).errors).toEqual([{ field: 'to', reasons: ['to is required'] }]);
    const wrong = await admin().post(`${s.base}/mail/test-mail`).send({ to: 'nobody' }).expect(400);
    expectFieldError(wrong.body, 400, 'to', /to must be an e-mail address/);
  });

  it('accepts the largest selection the API documents: 10,000 users of 256 characters', async () => {
    const selectedUsers = Array.from(
      { length: 10_000 },
      (_, i) => `${String(i).padStart(5, '0')}${'u'.repeat(251)}`,
    );
    const body = JSON.stringify({ selectionMode: 'INCLUDE', selectedUsers });
    expect(Buffer.byteLength(body)).toBeGreaterThan(2_500_000);
    const saved = await admin()
      .patch(`${s.base}/user-sync/settings`)
      .set('content-type', 'application/json')
      .send(body)
      .expect(200);
    expect((saved.body as { selectedUsers: string[] }).selectedUsers).toHaveLength(10_000);
    await admin()
      .patch(`${s.base}/user-sync/settings`)
      .send({ selectionMode: 'ALL', selectedUsers: [] })
      .expect(200);
  });
});
