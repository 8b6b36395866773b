import { AdminAlertsService } from '@pbx/host/alerts/admin-alerts.service';
import { type Microsoft365Event, Microsoft365Events } from '@pbx/microsoft365';
import { JobQueue } from '@pbx/microsoft365/jobs/job-queue';
import { runWaitingJobNow, waitingJob } from '@pbx/test/support/jobs';
import { RunTrigger } from '@pbx/microsoft365/runs/sync-run-status';
import { UserSyncRunner } from '@pbx/microsoft365/user-sync/user-sync.runner';
import { createTestApp, type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  type DirectoryScenario as Scenario,
  FAST_GRAPH_RETRIES,
  fastGraphRetries,
  resetEmulatorFaults,
  runToEnd,
  startSyncTestApp,
} from '@pbx/test/support/directory-scenario';
import { type EmulatedMicrosoft365 } from '@pbx/test/support/microsoft365-test-env';

interface HealthBody {
  feature: string;
  state: string;
  consecutiveFailures: number;
  lastFailure: { code: string; action?: string; microsoftCode?: string } | null;
  nextAttemptAt: string | null;
}

const MINUTE = 60_000;

/**
 * Issue 16: a feature that keeps failing is quarantined and tried on a slowing schedule, its admins hear of each
 * transition once, and it is healthy again after the first success.
 */
describe('Failure escalation: healthy → degraded → quarantined → healthy (emulator, real PostgreSQL)', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  const events: Microsoft365Event[] = [];

  beforeAll(async () => {
    ({ m365, t } = await startSyncTestApp({ graphRetries: FAST_GRAPH_RETRIES }));
    t.get(Microsoft365Events).events$.subscribe((event) => events.push(event));
  });

  afterAll(async () => {
    m365?.clock.reset();
    await t?.close();
    await m365?.close();
  });

  afterEach(() => resetEmulatorFaults(m365));

  /** A scenario whose mail goes out from its own `pbx-notices` mailbox. */
  async function withMail(app: TestApp, seed: string, permissions: string[]): Promise<Scenario> {
    const s = await createDirectoryScenario(app, m365, {
      seed,
      domain: `${seed}.onmicrosoft.com`,
      permissions: [...permissions, 'Mail.Send'],
      tenantSettings: { features: { mail: true } },
    });
    s.add('pbx-notices');
    await app
      .as(s.pbx.adminToken)
      .patch(`${s.base}/mail/settings`)
      .send({ senderAddress: s.upn('pbx-notices'), enabled: true })
      .expect(200);
    return s;
  }

  /** The tenant's user sync health, as its admin reads it. */
  async function userSyncHealth(app: TestApp, s: Scenario): Promise<HealthBody> {
    const body = (await app.as(s.pbx.adminToken).get(`${s.base}/health`).expect(200)).body as HealthBody[];
    return body.find((row) => row.feature === 'USER_SYNC') as HealthBody;
  }

  /** The alert mails sent from `through`'s tenant, once the alerts under way are out. */
  async function alertsThrough(app: TestApp, through: Scenario) {
    await app.get(AdminAlertsService).settled();
    return m365.emulator.control
      .listSentMail({ tenant: through.directoryId })
      .filter((mail) => (mail.message.subject ?? '').startsWith('[PBX]'))
      .map((mail) => ({ subject: mail.message.subject, to: mail.message.toRecipients[0]?.address }));
  }

  const sinceNow = (iso: string | null) => (Date.parse(iso ?? '') - m365.clock.now().getTime()) / MINUTE;

  it('quarantines user sync after three failures, retries at 10 min then 1 h, mails each transition once, heals', async () => {
    const s = await withMail(t, 'escalation1', ['User.Read.All']);
    s.add('alice');
    const app = { tenant: s.directoryId, clientId: s.clientId };
    const userSync = () => userSyncHealth(t, s);
    const alerts = () => alertsThrough(t, s);
    // The escalation's next attempt is a job of the queue, due after the slowing schedule's wait.
    const retry = async () => ((await runWaitingJobNow(t.orm, `retry:USERS:${s.pbx.tenant.id}`)) ? 1 : 0);
    const attemptInMinutes = async () => {
      const job = await waitingJob(t.orm, `retry:USERS:${s.pbx.tenant.id}`);
      return job ? (job.startAfter.getTime() - job.createdOn.getTime()) / MINUTE : null;
    };

    expect((await runToEnd(t, s, 'user-sync')).status).toBe('SUCCEEDED');
    expect(await userSync()).toMatchObject({ state: 'HEALTHY', consecutiveFailures: 0, lastFailure: null });

    // The permission is taken away in Entra; the next token says so.
    m365.emulator.control.revokePermissions({ ...app, permissions: ['User.Read.All'] });
    m365.emulator.control.revokeAppTokens(app);
    for (const [failures, state] of [
      [1, 'DEGRADED'],
      [2, 'DEGRADED'],
      [3, 'QUARANTINED'],
    ] as const) {
      expect((await runToEnd(t, s, 'user-sync')).status).toBe('FAILED');
      expect(await userSync()).toMatchObject({
        state,
        consecutiveFailures: failures,
        lastFailure: { code: 'PERMISSION_MISSING', action: expect.stringContaining('Grant admin consent') },
      });
    }
    const quarantined = await userSync();
    expect(sinceNow(quarantined.nextAttemptAt)).toBeCloseTo(10, 0);

    // Quarantined: schedules and notifications start nothing until the attempt is due.
    await expect(
      t.get(UserSyncRunner).runNow(s.pbx.tenant.id, { trigger: RunTrigger.Schedule }),
    ).rejects.toMatchObject({ code: 'QUARANTINED' });
    expect(await attemptInMinutes()).toBeCloseTo(10, 0);
    m365.clock.advanceMs(10 * MINUTE);
    expect(await retry()).toBe(1);
    const second = await userSync();
    expect(second).toMatchObject({ state: 'QUARANTINED', consecutiveFailures: 4 });
    expect(sinceNow(second.nextAttemptAt)).toBeCloseTo(60, 0);
    expect(await attemptInMinutes()).toBeCloseTo(60, 0);
    m365.clock.advanceMs(61 * MINUTE);
    expect(await retry()).toBe(1);
    expect(sinceNow((await userSync()).nextAttemptAt)).toBeCloseTo(6 * 60, 0);

    const admin = s.pbx.admin.email;
    expect(await alerts()).toEqual([
      { subject: '[PBX] User sync with Microsoft 365 is degraded', to: admin },
      { subject: '[PBX] User sync with Microsoft 365 is quarantined', to: admin },
    ]);

    // Granted again; the next attempt (with a token that has the permission) succeeds.
    m365.emulator.control.grantPermissions({ ...app, permissions: ['User.Read.All'] });
    m365.emulator.control.revokeAppTokens(app);
    m365.clock.advanceMs(6 * 60 * MINUTE);
    expect(await retry()).toBe(1);
    expect(await userSync()).toMatchObject({ state: 'HEALTHY', consecutiveFailures: 0, nextAttemptAt: null });
    expect((await alerts()).map((alert) => alert.subject)).toEqual([
      '[PBX] User sync with Microsoft 365 is degraded',
      '[PBX] User sync with Microsoft 365 is quarantined',
      '[PBX] User sync with Microsoft 365 works again',
    ]);
    expect(
      events
        .filter((event) => event.type === 'feature.health-changed' && event.pbxTenantId === s.pbx.tenant.id)
        .map((event) => (event.type === 'feature.health-changed' ? `${event.from}→${event.to}` : '')),
    ).toEqual(['HEALTHY→DEGRADED', 'DEGRADED→QUARANTINED', 'QUARANTINED→HEALTHY']);
  });

  it('quarantines a tenant whose certificate was removed from the app, alerts through the operator tenant, heals when it is back', async () => {
    // The operator's own tenant carries the alerts a tenant's broken connection cannot (PBX_ALERTS_MAIL_TENANT).
    const operator = await withMail(t, 'operator', []);
    // The setting is read at boot, and the operator tenant's id exists only now: a second instance of the host on
    // the same database and master key, as a vendor runs several, is the one configured with it.
    const host = await createTestApp({
      microsoft365: m365.moduleOptions,
      config: { masterKey: t.config.masterKey, alertsMailTenant: operator.pbx.tenant.id },
      reset: false,
      override: fastGraphRetries(FAST_GRAPH_RETRIES),
    });
    // Every instance of a PBX has the same configuration; here only the second knows the operator tenant, so it is
    // the one that takes the jobs (the runs, and so their alerts).
    await t.get(JobQueue).stopWorking();

    const s = await withMail(host, 'escalation3', ['User.Read.All']);
    s.add('alice');
    const app = { tenant: s.directoryId, clientId: s.clientId };
    const userSync = () => userSyncHealth(host, s);
    const alerts = (through: Scenario) => alertsThrough(host, through);
    const retry = async () => ((await runWaitingJobNow(host.orm, `retry:USERS:${s.pbx.tenant.id}`)) ? 1 : 0);

    try {
      expect((await runToEnd(host, s, 'user-sync')).status).toBe('SUCCEEDED');
      const pem = (
        await host.as(s.pbx.adminToken).get(`${s.base}/certificates/active/public_key.pem`).expect(200)
      ).text;

      // Someone deletes the certificate from the app registration in Entra. The token in hand stays valid until
      // it expires (removing a key revokes nothing); revoking it here stands in for that expiry, 60 to 90 minutes
      // later, after which every acquisition is refused with 700027.
      const { certificates } = m365.emulator.control.getApp(app);
      expect(certificates).toHaveLength(1);
      m365.emulator.control.removeCertificate({ ...app, keyId: certificates[0]?.keyId ?? '' });
      m365.emulator.control.revokeAppTokens(app);
      for (const [failures, state] of [
        [1, 'DEGRADED'],
        [2, 'DEGRADED'],
        [3, 'QUARANTINED'],
      ] as const) {
        expect((await runToEnd(host, s, 'user-sync')).status).toBe('FAILED');
        expect(await userSync()).toMatchObject({
          state,
          consecutiveFailures: failures,
          lastFailure: {
            code: 'CERTIFICATE_NOT_REGISTERED',
            microsoftCode: 'AADSTS700027',
            action: expect.stringContaining('Upload certificate'),
          },
        });
      }
      expect(sinceNow((await userSync()).nextAttemptAt)).toBeCloseTo(10, 0);
      m365.clock.advanceMs(10 * MINUTE);
      expect(await retry()).toBe(1);
      expect(await userSync()).toMatchObject({ state: 'QUARANTINED', consecutiveFailures: 4 });
      expect(sinceNow((await userSync()).nextAttemptAt)).toBeCloseTo(60, 0);

      // The tenant's own mail needs the very connection that broke: the operator tenant carried both alerts.
      const admin = s.pbx.admin.email;
      expect(await alerts(operator)).toEqual([
        { subject: '[PBX] User sync with Microsoft 365 is degraded', to: admin },
        { subject: '[PBX] User sync with Microsoft 365 is quarantined', to: admin },
      ]);
      expect(await alerts(s)).toEqual([]);

      // The admin uploads the certificate again; the next attempt on the slowing schedule heals the feature.
      m365.emulator.control.addCertificate({ ...app, pem });
      m365.clock.advanceMs(60 * MINUTE);
      expect(await retry()).toBe(1);
      expect(await userSync()).toMatchObject({
        state: 'HEALTHY',
        consecutiveFailures: 0,
        nextAttemptAt: null,
      });
      // Healed, the tenant's own mail works again and carries the good news itself.
      expect(await alerts(s)).toEqual([
        { subject: '[PBX] User sync with Microsoft 365 works again', to: admin },
      ]);
      expect(await alerts(operator)).toHaveLength(2);
    } finally {
      await host.close();
      await t.get(JobQueue).startWorking();
    }
  });

  it('lets an admin restart a feature, refuses an unknown one in the documented shape, and keeps tenants apart', async () => {
    const s = await createDirectoryScenario(t, m365, {
      seed: 'escalation-2',
      domain: 'escalation2.onmicrosoft.com',
      permissions: [],
    });
    expect((await runToEnd(t, s, 'user-sync')).status).toBe('FAILED');
    const restarted = await t.as(s.pbx.adminToken).post(`${s.base}/health/USER_SYNC/restart`).expect(200);
    expect(restarted.body).toMatchObject({ feature: 'USER_SYNC', state: 'HEALTHY', consecutiveFailures: 0 });

    const unknown = await t.as(s.pbx.adminToken).post(`${s.base}/health/PHOTOS/restart`).expect(400);
    expect(unknown.body).toMatchObject({
      errors: [{ field: 'feature', reasons: [expect.stringContaining('USER_SYNC')] }],
    });
    const other = await t.createTenantWithAdmin();
    await t.as(other.adminToken).get(`${s.base}/health`).expect(403);
    await t.as(other.adminToken).post(`${s.base}/health/USER_SYNC/restart`).expect(403);
  });
});
