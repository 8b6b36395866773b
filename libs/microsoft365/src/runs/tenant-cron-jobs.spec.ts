import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { TenantCronJobs, type WantedCronJob } from './tenant-cron-jobs';

interface Stored {
  pbxTenantId: string;
  job: WantedCronJob | null;
}

describe('TenantCronJobs', () => {
  let registry: SchedulerRegistry;
  let stored: Stored[];
  let jobs: TenantCronJobs<Stored>;
  const logger = new Logger('TenantCronJobsSpec');

  beforeEach(() => {
    registry = new SchedulerRegistry();
    stored = [];
    jobs = new TenantCronJobs(
      registry,
      'spec',
      'Spec sync',
      {
        all: () => Promise.resolve(stored.map((s) => ({ ...s }))),
        wanted: (settings) => Promise.resolve(settings.job),
        onTick: () => Promise.resolve(),
      },
      logger,
    );
  });

  afterEach(() => {
    for (const name of registry.getCronJobs().keys()) registry.deleteCronJob(name);
    jobs.stop();
  });

  it('leaves a matching job alone and replaces one whose cron or time zone changed', async () => {
    await jobs.apply({ pbxTenantId: 'a', job: { cron: '0 3 * * *', timeZone: 'UTC' } });
    const first = registry.getCronJob('spec:a');
    await jobs.apply({ pbxTenantId: 'a', job: { cron: '0 3 * * *', timeZone: 'UTC' } });
    expect(registry.getCronJob('spec:a')).toBe(first);
    await jobs.apply({ pbxTenantId: 'a', job: { cron: '0 3 * * *', timeZone: 'Asia/Tokyo' } });
    expect(registry.getCronJob('spec:a')).not.toBe(first);
    expect(jobs.nextRun('a')?.toISOString()).toMatch(/T18:00:00/);
  });

  it('reconciles with the stored settings: changed, switched off, deleted; a bad one does not stop the rest', async () => {
    stored = [
      { pbxTenantId: 'a', job: { cron: '0 3 * * *', timeZone: 'UTC' } },
      { pbxTenantId: 'b', job: { cron: '0 4 * * *', timeZone: 'UTC' } },
      { pbxTenantId: 'c', job: { cron: '0 5 * * *', timeZone: 'UTC' } },
    ];
    await jobs.reconcile();
    expect(jobs.nextRun('c')?.toISOString()).toMatch(/T05:00:00/);

    stored = [
      { pbxTenantId: 'bad', job: { cron: 'not a cron', timeZone: 'UTC' } },
      { pbxTenantId: 'a', job: { cron: '15 6 * * *', timeZone: 'UTC' } },
      { pbxTenantId: 'b', job: null },
    ];
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    await jobs.reconcile();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('Spec sync schedule of PBX tenant bad'));
    expect(jobs.nextRun('a')?.toISOString()).toMatch(/T06:15:00/);
    expect(jobs.nextRun('b')).toBeNull();
    expect(jobs.nextRun('c')).toBeNull();
    expect(jobs.nextRun('bad')).toBeNull();
  });

  it('on a tick, runs only when the job that fired still matches the settings', async () => {
    const settings: Stored = { pbxTenantId: 'a', job: { cron: '0 3 * * *', timeZone: 'UTC' } };
    await jobs.apply(settings);
    expect(await jobs.stillWanted(settings)).toBe(true);
    expect(await jobs.stillWanted({ ...settings, job: { cron: '0 4 * * *', timeZone: 'UTC' } })).toBe(false);
    expect(jobs.nextRun('a')?.toISOString()).toMatch(/T04:00:00/);
    expect(await jobs.stillWanted({ ...settings, job: null })).toBe(false);
    expect(jobs.nextRun('a')).toBeNull();
  });

  it('reconciles every minute outside tests only', async () => {
    await jobs.start('test');
    expect(registry.doesExist('interval', 'spec-schedules')).toBe(false);
    await jobs.start('production');
    expect(registry.doesExist('interval', 'spec-schedules')).toBe(true);
    jobs.stop();
    expect(registry.doesExist('interval', 'spec-schedules')).toBe(false);
  });
});
