import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { jobOptionsProblem, jobSettingsOf } from './job-settings';

const options = (jobs: Microsoft365ModuleOptions['jobs']): Microsoft365ModuleOptions => ({
  environment: 'test',
  publicUrl: 'https://pbx.example.com',
  ...(jobs ? { jobs } : {}),
});

describe('job engine options', () => {
  it('defaults to two runs per instance, a five-minute spreading window and a 15-minute expiry', () => {
    expect(jobSettingsOf(options(undefined))).toMatchObject({
      schema: 'microsoft365_jobs',
      concurrency: 2,
      spreadSeconds: 300,
      expireSeconds: 900,
      pollingIntervalSeconds: 2,
      poolSize: 4,
      drainTimeoutMs: 30_000,
    });
    expect(jobSettingsOf(options({ concurrency: 6, spreadSeconds: 0 }))).toMatchObject({
      concurrency: 6,
      spreadSeconds: 0,
      poolSize: 8,
    });
  });

  it.each([
    [{ concurrency: 0 }, 'jobs.concurrency must be an integer of at least 1'],
    [{ concurrency: 1.5 }, 'jobs.concurrency must be an integer of at least 1'],
    [{ spreadSeconds: -1 }, 'jobs.spreadSeconds must be an integer of at least 0'],
    [{ expireSeconds: 0 }, 'jobs.expireSeconds must be an integer of at least 1'],
    [{ maintenanceIntervalSeconds: 0 }, 'jobs.maintenanceIntervalSeconds must be an integer of at least 1'],
    [{ drainTimeoutSeconds: 0 }, 'jobs.drainTimeoutSeconds must be an integer of at least 1'],
    [
      { pollingIntervalSeconds: 0.1 },
      'jobs.pollingIntervalSeconds must be at least 0.5 (pg-boss polls at most twice a second)',
    ],
    [{ schema: 'Jobs; drop table x' }, 'jobs.schema must be a lower-case PostgreSQL identifier'],
  ])('refuses %j at start-up', (jobs, problem) => {
    expect(jobOptionsProblem(options(jobs))).toBe(problem);
  });

  it('accepts what it documents', () => {
    expect(jobOptionsProblem(options(undefined))).toBeNull();
    expect(
      jobOptionsProblem(
        options({
          concurrency: 4,
          schema: 'pbx_jobs',
          spreadSeconds: 0,
          expireSeconds: 60,
          pollingIntervalSeconds: 0.5,
          maintenanceIntervalSeconds: 1,
          drainTimeoutSeconds: 5,
        }),
      ),
    ).toBeNull();
  });
});
