import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';

/** The queue of every sync run (user, contact, group): one queue, so `concurrency` bounds them together. */
export const SYNC_QUEUE = 'microsoft365-sync';
/** The queue of calendar reads a change notification asks for (debounced per tenant). */
export const PRESENCE_QUEUE = 'microsoft365-presence';
/** The queue of the periodic ticks done once for the whole PBX (`ClusterTicks`). */
export const TICK_QUEUE = 'microsoft365-ticks';

/** The job engine's settings in effect (module option `jobs`, README "Many PBX instances"). */
export interface JobSettings {
  schema: string;
  queues: string[];
  concurrency: number;
  spreadSeconds: number;
  expireSeconds: number;
  pollingIntervalSeconds: number;
  maintenanceIntervalSeconds: number;
  poolSize: number;
  drainTimeoutMs: number;
}

/** Two runs at once per instance: a run waits mostly on Graph and PostgreSQL, and 2 cores serve two well. */
const DEFAULT_CONCURRENCY = 2;

export function jobSettingsOf(options: Microsoft365ModuleOptions): JobSettings {
  const jobs = options.jobs ?? {};
  return {
    schema: jobs.schema ?? 'microsoft365_jobs',
    queues: [SYNC_QUEUE, PRESENCE_QUEUE, TICK_QUEUE],
    concurrency: jobs.concurrency ?? DEFAULT_CONCURRENCY,
    spreadSeconds: jobs.spreadSeconds ?? 300,
    expireSeconds: jobs.expireSeconds ?? 15 * 60,
    pollingIntervalSeconds: jobs.pollingIntervalSeconds ?? 2,
    maintenanceIntervalSeconds: jobs.maintenanceIntervalSeconds ?? 60,
    poolSize: (jobs.concurrency ?? DEFAULT_CONCURRENCY) + 2,
    drainTimeoutMs: (jobs.drainTimeoutSeconds ?? 30) * 1000,
  };
}

/** Start-up check of the `jobs` option: a wrong value is the host's mistake, said before anything runs. */
export function jobOptionsProblem(options: Microsoft365ModuleOptions): string | null {
  const jobs = options.jobs;
  if (!jobs) return null;
  const positiveInteger = (name: keyof NonNullable<Microsoft365ModuleOptions['jobs']>, min: number) => {
    const value = jobs[name];
    if (value === undefined) return null;
    return typeof value === 'number' && Number.isInteger(value) && value >= min
      ? null
      : `jobs.${name} must be an integer of at least ${min}`;
  };
  if (jobs.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(jobs.schema)) {
    return 'jobs.schema must be a lower-case PostgreSQL identifier';
  }
  if (
    jobs.pollingIntervalSeconds !== undefined &&
    !(typeof jobs.pollingIntervalSeconds === 'number' && jobs.pollingIntervalSeconds >= 0.5)
  ) {
    return 'jobs.pollingIntervalSeconds must be at least 0.5 (pg-boss polls at most twice a second)';
  }
  return (
    positiveInteger('concurrency', 1) ??
    positiveInteger('spreadSeconds', 0) ??
    positiveInteger('expireSeconds', 1) ??
    positiveInteger('maintenanceIntervalSeconds', 1) ??
    positiveInteger('drainTimeoutSeconds', 1)
  );
}
