import { type MikroORM } from '@mikro-orm/postgresql';

/** pg-boss's schema in the tests (the module's default). */
export const JOBS_SCHEMA = 'microsoft365_jobs';

export interface QueuedJobRow {
  id: string;
  state: string;
  singletonKey: string | null;
  startAfter: Date;
  createdOn: Date;
  data: Record<string, unknown>;
}

/** The jobs of the module's queues with this singleton key (e.g. `schedule:USERS:<tenant>`), oldest first. */
export async function jobsWithKey(orm: MikroORM, singletonKey: string): Promise<QueuedJobRow[]> {
  const rows = await orm.em.getConnection().execute<
    {
      id: string;
      state: string;
      singleton_key: string | null;
      start_after: Date;
      created_on: Date;
      data: Record<string, unknown>;
    }[]
  >(
    `select id, state, singleton_key, start_after, created_on, data from ${JOBS_SCHEMA}.job
     where singleton_key = ? order by created_on, start_after`,
    [singletonKey],
  );
  return rows.map((row) => ({
    id: row.id,
    state: row.state,
    singletonKey: row.singleton_key,
    startAfter: new Date(row.start_after),
    createdOn: new Date(row.created_on),
    data: row.data,
  }));
}

/** The waiting job with this key, or null. */
export async function waitingJob(orm: MikroORM, singletonKey: string): Promise<QueuedJobRow | null> {
  return (await jobsWithKey(orm, singletonKey)).find((job) => job.state === 'created') ?? null;
}

/**
 * Makes the waiting job with this key due now (its time has come: the slot, the end of the debounce window, the
 * escalation's next attempt) and waits until some instance's worker has finished it. Answers the job, or null when
 * none waited.
 */
export async function runWaitingJobNow(
  orm: MikroORM,
  singletonKey: string,
  timeoutMs = 30_000,
): Promise<QueuedJobRow | null> {
  const job = await waitingJob(orm, singletonKey);
  if (!job) return null;
  await orm.em
    .getConnection()
    .execute(`update ${JOBS_SCHEMA}.job set start_after = now() where id = ? and state = 'created'`, [
      job.id,
    ]);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await orm.em
      .getConnection()
      .execute<{ state: string }[]>(`select state from ${JOBS_SCHEMA}.job where id = ?`, [job.id]);
    if (row && ['completed', 'failed', 'cancelled'].includes(row.state)) return { ...job, state: row.state };
    if (Date.now() > deadline)
      throw new Error(`job ${singletonKey} still ${row?.state ?? 'missing'} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Empties the job tables between test files (the queues themselves stay). */
export async function truncateJobs(orm: MikroORM): Promise<void> {
  const connection = orm.em.getConnection();
  const [exists] = await connection.execute<{ name: string | null }[]>(
    `select to_regclass('${JOBS_SCHEMA}.job')::text as name`,
  );
  if (exists?.name) await connection.execute(`truncate ${JOBS_SCHEMA}.job, ${JOBS_SCHEMA}.archive`);
}
