import { ClusterTicks } from '@pbx/microsoft365/jobs/cluster-ticks';
import { SyncJobs } from '@pbx/microsoft365/jobs/sync-jobs';
import { NotificationsScheduler } from '@pbx/microsoft365/notifications/notifications.scheduler';
import { UserSyncTrigger } from '@pbx/microsoft365/notifications/user-sync.trigger';
import { RunMode, RunTrigger, SyncKind } from '@pbx/microsoft365/runs/sync-run-status';
import { SyncRunsService } from '@pbx/microsoft365/runs/sync-runs.service';
import { createTestApp, type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  type DirectoryScenario as Scenario,
  runToEnd,
  startSyncTestApp,
  waitForRun,
} from '@pbx/test/support/directory-scenario';
import { JOBS_SCHEMA, jobsWithKey, runWaitingJobNow, waitingJob } from '@pbx/test/support/jobs';
import { type EmulatedMicrosoft365 } from '@pbx/test/support/microsoft365-test-env';
import { randomUUID } from 'node:crypto';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface RunBody {
  id: string;
  status: string;
  trigger: string;
  counts: Record<string, number>;
}

/**
 * Many PBX instances on one database (issue 18): background work is jobs of pg-boss in that database, so every
 * instance follows a schedule change at once, a slot runs once whatever the instances' clocks say, a run whose
 * instance died is resumed by another, and a notification outlives the instance that received it.
 */
describe('Microsoft 365 jobs across PBX instances (pg-boss, real PostgreSQL)', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let second: TestApp;
  let systemToken: string;
  let scenarios = 0;

  beforeAll(async () => {
    ({ m365, t } = await startSyncTestApp());
    systemToken = await t.loginAsSystemAdmin();
    // The second instance finds expired jobs every second (the default is a minute).
    second = await createTestApp({
      microsoft365: {
        ...m365.moduleOptions,
        jobs: { pollingIntervalSeconds: 0.5, maintenanceIntervalSeconds: 1 },
      },
      reset: false,
      config: { masterKey: t.config.masterKey },
    });
  });

  afterAll(async () => {
    await second?.close();
    await t?.close();
    await m365?.close();
  });

  async function scenario(settings: Record<string, unknown> = {}): Promise<Scenario> {
    scenarios++;
    return createDirectoryScenario(t, m365, {
      seed: `jobs-${scenarios}`,
      domain: `jobs${scenarios}.onmicrosoft.com`,
      permissions: ['User.Read.All'],
      systemToken,
      settings,
    });
  }

  const runs = async (s: Scenario) =>
    (await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/runs`).expect(200)).body as RunBody[];

  it('runs a slot once, however many instances enqueue it and whatever their clocks say', async () => {
    const schedule = { cron: '0 3 * * *', timeZone: 'UTC' };
    const s = await scenario({ scheduleEnabled: true, scheduleCron: schedule.cron, scheduleTimeZone: 'UTC' });
    s.add('alice');
    const key = `schedule:USERS:${s.pbx.tenant.id}`;
    const waiting = await waitingJob(t.orm, key);
    const slot = new Date(String(waiting?.data.slot));
    expect(slot.toISOString()).toMatch(/T03:00:00/);
    // The admin sees the slot and when its run starts: at this tenant's fixed offset in the 5-minute window.
    const shown = (await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/settings`).expect(200)).body as {
      nextScheduledRunAt: string;
      nextScheduledStartAt: string;
    };
    expect(shown.nextScheduledRunAt).toBe(slot.toISOString());
    expect(shown.nextScheduledStartAt).toBe(waiting?.startAfter.toISOString());
    const offset = Date.parse(shown.nextScheduledStartAt) - slot.getTime();
    expect(offset).toBeGreaterThanOrEqual(0);
    expect(offset).toBeLessThan(300_000);

    // The second instance, its clock one second behind or ahead of the slot, asks for the same slot: one job.
    for (const skew of [-1_000, 1_000]) {
      await second
        .get(SyncJobs)
        .schedule(SyncKind.Users, s.pbx.tenant.id, schedule, new Date(slot.getTime() - 60_000 + skew));
    }
    expect(await jobsWithKey(t.orm, key)).toEqual([
      expect.objectContaining({ id: waiting?.id, state: 'created' }),
    ]);

    await runWaitingJobNow(t.orm, key);
    expect(await runs(s)).toEqual([expect.objectContaining({ trigger: 'SCHEDULE', status: 'SUCCEEDED' })]);

    // After the slot ran, an instance whose clock is a second behind it asks for "the next slot" again: that is
    // the slot that ran, so it gets the one after, and the slot never runs twice (the measured bug: 200 of 200).
    const behind = await second
      .get(SyncJobs)
      .schedule(SyncKind.Users, s.pbx.tenant.id, schedule, new Date(slot.getTime() - 1_000));
    expect(behind?.slot.getTime()).toBe(slot.getTime() + 24 * 3_600_000);
    const jobs = await jobsWithKey(t.orm, key);
    expect(jobs.map((job) => job.state)).toEqual(['completed', 'created']);
    expect(jobs[1]?.data.slot).toBe(new Date(slot.getTime() + 24 * 3_600_000).toISOString());
    expect(await runs(s)).toHaveLength(1);
  }, 60_000);

  it('a slot enqueued under a schedule that changed since runs nothing and queues the right one', async () => {
    const s = await scenario({ scheduleEnabled: true, scheduleCron: '0 3 * * *', scheduleTimeZone: 'UTC' });
    s.add('alice');
    const key = `schedule:USERS:${s.pbx.tenant.id}`;
    // As if the schedule had been changed without this slot being replaced (say, by an older version of the PBX).
    await t.orm.em
      .getConnection()
      .execute(
        `update ${JOBS_SCHEMA}.job set data = jsonb_set(data, '{schedule}', '"0 1 * * * @ UTC"') where singleton_key = ? and state = 'created'`,
        [key],
      );
    await runWaitingJobNow(t.orm, key);
    expect(await runs(s)).toEqual([]);
    expect((await waitingJob(t.orm, key))?.data).toMatchObject({ schedule: '0 3 * * * @ UTC' });
  }, 60_000);

  it('resumes the run of an instance that died with its job, on another instance, after the job expired', async () => {
    const s = await scenario();
    s.add('alice');
    s.add('bob');
    // What a killed instance leaves behind: its job active (taken, never finished), its run recorded as running.
    const jobId = randomUUID();
    const run = await t.get(SyncRunsService).begin({
      pbxTenantId: s.pbx.tenant.id,
      kind: SyncKind.Users,
      trigger: RunTrigger.Manual,
      mode: RunMode.Full,
      modeReason: 'A full run was requested',
      dryRun: false,
      jobId,
    });
    await t.orm.em.getConnection().execute(
      `insert into ${JOBS_SCHEMA}.job (id, name, data, state, retry_limit, started_on, expire_in, policy)
       values (?, 'microsoft365-sync', ?::jsonb, 'active', 2, now() - interval '10 seconds', interval '2 seconds', 'short')`,
      [
        jobId,
        JSON.stringify({ kind: 'USERS', pbxTenantId: s.pbx.tenant.id, reason: 'manual', runId: run.id }),
      ],
    );
    // Meanwhile the tenant's lock holds: a new run is refused, since the dead instance's job is still live.
    await t.as(s.pbx.adminToken).post(`${s.base}/user-sync/runs`).send({}).expect(409);

    // The queue expires the job and hands it to a live instance, which carries on with the same run.
    const done = await waitForRun<RunBody>(t, s, 'user-sync', run.id);
    expect(done).toMatchObject({
      id: run.id,
      trigger: 'MANUAL',
      status: 'SUCCEEDED',
      counts: { created: 2 },
    });
    const [row] = await t.orm.em
      .getConnection()
      .execute<{ state: string; retry_count: number }[]>(
        `select state, retry_count from ${JOBS_SCHEMA}.job where id = ?`,
        [jobId],
      );
    expect(row).toEqual({ state: 'completed', retry_count: 1 });
    expect(await runs(s)).toHaveLength(1);
  }, 60_000);

  it('runs a lone notification at once, folds a burst into one run at the window end, and keeps it when its instance stops', async () => {
    const s = await scenario();
    s.add('alice');
    expect((await runToEnd(t, s, 'user-sync')).status).toBe('SUCCEEDED');
    const third = await createTestApp({
      microsoft365: { ...m365.moduleOptions, notifications: { debounceMs: 60_000 } },
      reset: false,
      config: { masterKey: t.config.masterKey },
    });
    const key = `notification:USERS:${s.pbx.tenant.id}`;
    try {
      // Leading edge: nothing was notified in the last 60 s, so the run starts at once, not after the window.
      s.add('bob');
      const woken = Date.now();
      await third.get(UserSyncTrigger).wake(s.pbx.tenant.id);
      const deadline = Date.now() + 20_000;
      while ((await runs(s)).length < 2 && Date.now() < deadline) await sleep(100);
      expect(Date.now() - woken).toBeLessThan(15_000);
      const [leading] = await runs(s);
      expect(await waitForRun(t, s, 'user-sync', leading?.id ?? '')).toMatchObject({
        trigger: 'NOTIFICATION',
        status: 'SUCCEEDED',
        counts: { created: 1 },
      });

      // Trailing edge: the next wakes within the window are one job, due at the window's end.
      s.add('carol');
      await third.get(UserSyncTrigger).wake(s.pbx.tenant.id);
      await third.get(UserSyncTrigger).wake(s.pbx.tenant.id);
    } finally {
      await third.close();
    }
    const jobs = await jobsWithKey(t.orm, key);
    expect(jobs.map((job) => job.state)).toEqual(['completed', 'created']);
    const [first, trailing] = jobs;
    const dueAfterFirst = ((trailing?.startAfter.getTime() ?? 0) - (first?.createdOn.getTime() ?? 0)) / 1000;
    expect(dueAfterFirst).toBeGreaterThan(55);
    expect(dueAfterFirst).toBeLessThanOrEqual(61);

    // The wake is a job in the database: another instance runs it when it is due.
    await runWaitingJobNow(t.orm, key);
    const [latest] = await runs(s);
    expect(latest).toMatchObject({ trigger: 'NOTIFICATION', status: 'SUCCEEDED', counts: { created: 1 } });
  }, 90_000);

  it('queues the next attempt of a feature quarantined before the instance started', async () => {
    const s = await scenario();
    const at = new Date(m365.clock.now().getTime() + 10 * 60_000);
    await t.orm.em.getConnection().execute(
      `insert into m365_feature_health (pbx_tenant_id, feature, state, consecutive_failures, next_attempt_at, updated_at)
       values (?, 'USER_SYNC', 'QUARANTINED', 3, ?, ?)`,
      [s.pbx.tenant.id, at, m365.clock.now()],
    );
    const key = `retry:USERS:${s.pbx.tenant.id}`;
    expect(await waitingJob(t.orm, key)).toBeNull();
    const restarted = await createTestApp({
      microsoft365: m365.moduleOptions,
      reset: false,
      config: { masterKey: t.config.masterKey },
    });
    await restarted.close();
    const job = await waitingJob(t.orm, key);
    expect(((job?.startAfter.getTime() ?? 0) - (job?.createdOn.getTime() ?? 0)) / 60_000).toBeCloseTo(10, 0);
  }, 60_000);

  it('runs a periodic tick once per period for the whole PBX, however many instances offer it', async () => {
    const tick = jest.spyOn(NotificationsScheduler.prototype, 'tick');
    try {
      tick.mockClear();
      // Both instances' timers offer the notifications tick for the same minute: the first offer is the period's.
      const offers = [
        await t.get(ClusterTicks).offer('microsoft365-notifications', 60),
        await second.get(ClusterTicks).offer('microsoft365-notifications', 60),
      ];
      expect(offers.filter(Boolean)).toHaveLength(1);
      const deadline = Date.now() + 10_000;
      while (tick.mock.calls.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(tick).toHaveBeenCalledTimes(1);
    } finally {
      tick.mockRestore();
    }
  }, 60_000);
});
