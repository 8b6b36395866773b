import { EntityManager } from '@mikro-orm/postgresql';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import PgBoss from 'pg-boss';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { jobOptionsProblem, jobSettingsOf, type JobSettings } from './job-settings';

/** One job as a worker receives it. */
export interface QueuedJob<T> {
  id: string;
  data: T;
  /** Attempts before this one: above 0, an earlier attempt failed or its instance stopped. */
  retryCount: number;
}

export interface JobToSend<T> {
  data: T;
  /** A job with this id already queued, running or done (within the archive window) makes this one a no-op. */
  id?: string;
  /** While one job with this key waits, another with the same key is folded into it (queue policy `short`). */
  singletonKey?: string;
  startAfter?: Date | number;
  retryLimit?: number;
  retryDelaySeconds?: number;
}

type Handler = (job: QueuedJob<unknown>) => Promise<void>;

/**
 * The one provider of the job engine, pg-boss (https://github.com/timgit/pg-boss, 10.x: the newest major that runs
 * on Node 20, see README "Many PBX instances"). It lives in the host's PostgreSQL in its own schema, shares no
 * connection with MikroORM (its own small pool), and is stopped before the application's shutdown hooks close the
 * ORM, after the running jobs finished (graceful drain).
 */
@Injectable()
export class JobQueue implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobQueue.name);
  private readonly settings: JobSettings;
  private readonly workers = new Map<string, { handler: Handler; concurrency: number }>();
  private readonly workerIds = new Map<string, string[]>();
  private boss: PgBoss | null = null;
  private started: Promise<PgBoss> | null = null;

  constructor(
    private readonly em: EntityManager,
    @Inject(MICROSOFT365_OPTIONS) options: Microsoft365ModuleOptions,
  ) {
    const problem = jobOptionsProblem(options);
    // A boot-time mistake of the host's code: said at start-up, never found later in a run.
    if (problem) throw new Error(`Microsoft365Module: ${problem}`);
    this.settings = jobSettingsOf(options);
  }

  /** Registers the worker of a queue; the queue is worked once the application has started. */
  work<T>(queue: string, concurrency: number, handler: (job: QueuedJob<T>) => Promise<void>): void {
    this.workers.set(queue, { handler: handler as Handler, concurrency });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.startWorking();
  }

  /** This instance takes jobs (at start-up, or again after `stopWorking`). */
  async startWorking(): Promise<void> {
    const boss = await this.start();
    for (const [queue, { handler, concurrency }] of this.workers) {
      if (this.workerIds.has(queue)) continue;
      const ids: string[] = [];
      // pg-boss 10 runs one batch at a time per worker: `concurrency` workers of one job each.
      for (let i = 0; i < concurrency; i++) {
        ids.push(
          await boss.work<unknown>(
            queue,
            {
              batchSize: 1,
              pollingIntervalSeconds: this.settings.pollingIntervalSeconds,
              includeMetadata: true,
            },
            async ([job]) => {
              if (job) await handler({ id: job.id, data: job.data, retryCount: job.retryCount });
            },
          ),
        );
      }
      this.workerIds.set(queue, ids);
    }
  }

  /**
   * This instance stops taking jobs (the others take them); the jobs it runs finish. For an instance about to be
   * drained for maintenance, or one that should only serve the API.
   */
  async stopWorking(): Promise<void> {
    const boss = this.boss;
    if (!boss) return;
    for (const queue of this.workerIds.keys()) await boss.offWork(queue);
    this.workerIds.clear();
  }

  async beforeApplicationShutdown(): Promise<void> {
    const boss = this.boss;
    if (!boss) return;
    this.boss = null;
    // Waits for the running jobs; those still running after the timeout are failed and so retried elsewhere.
    await boss.stop({ graceful: true, wait: true, timeout: this.settings.drainTimeoutMs });
  }

  /** Sends one job; answers its id, or null when it was folded into a waiting job or its id was taken. */
  async send<T extends object>(queue: string, job: JobToSend<T>): Promise<string | null> {
    const boss = await this.start();
    const id = await boss.send(queue, job.data, {
      ...(job.id ? { id: job.id } : {}),
      ...(job.singletonKey ? { singletonKey: job.singletonKey } : {}),
      ...(job.startAfter !== undefined ? { startAfter: job.startAfter } : {}),
      ...(job.retryLimit !== undefined ? { retryLimit: job.retryLimit } : {}),
      ...(job.retryDelaySeconds !== undefined ? { retryDelay: job.retryDelaySeconds } : {}),
      expireInSeconds: this.settings.expireSeconds,
    });
    if (id) this.wakeWorkers(queue);
    return id;
  }

  /** Sends the period's job for `key`: one per `seconds` window, whichever instance sends first; null for the rest. */
  async sendThrottled<T extends object>(
    queue: string,
    data: T,
    seconds: number,
    key: string,
  ): Promise<string | null> {
    const boss = await this.start();
    const id = await boss.sendThrottled(
      queue,
      data,
      { expireInSeconds: this.settings.expireSeconds },
      seconds,
      key,
    );
    if (id) this.wakeWorkers(queue);
    return id;
  }

  /** Sends many jobs in one statement; those whose id is taken are skipped. */
  async sendMany<T extends object>(queue: string, jobs: JobToSend<T>[]): Promise<void> {
    if (jobs.length === 0) return;
    const boss = await this.start();
    await boss.insert(
      jobs.map((job) => ({
        name: queue,
        data: job.data,
        ...(job.id ? { id: job.id } : {}),
        ...(job.singletonKey ? { singletonKey: job.singletonKey } : {}),
        // A number is seconds from the database's now, as in send().
        ...(job.startAfter !== undefined
          ? { startAfter: typeof job.startAfter === 'number' ? String(job.startAfter) : job.startAfter }
          : {}),
        ...(job.retryLimit !== undefined ? { retryLimit: job.retryLimit } : {}),
        expireInSeconds: this.settings.expireSeconds,
      })),
    );
  }

  /**
   * Sends a job, or, when one with the same singleton key waits already, adds `field`'s items to that job's list
   * (the wakes of a debounce window gather their mailboxes into the one run).
   */
  async sendOrMerge<T extends object>(
    queue: string,
    job: JobToSend<T>,
    field: keyof T & string,
  ): Promise<void> {
    const items = (job.data[field] as unknown as unknown[] | undefined) ?? [];
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.send(queue, job)) return;
      if (items.length === 0) return;
      const { rows } = await this.sql(
        `UPDATE ${this.settings.schema}.job SET data = jsonb_set(data, $3::text[],
           (SELECT jsonb_agg(DISTINCT item) FROM jsonb_array_elements(COALESCE(data->$4, '[]'::jsonb) || $5::jsonb) item))
         WHERE name = $1 AND singleton_key = $2 AND state = 'created' RETURNING id`,
        [queue, job.singletonKey, [field], field, JSON.stringify(items)],
      );
      // Taken by a worker between the two statements: the next send queues a new job.
      if (rows.length > 0) return;
    }
    this.logger.warn(`Job ${job.singletonKey} neither sent nor merged after 3 attempts`);
  }

  /**
   * Debounces on both edges: a job for a key that was quiet for `windowSeconds` is due at once (the leading edge,
   * so a single change is read without waiting); while a job of that key runs, or within the window after the last
   * one was queued, the job is due at the end of that window and the rest of the burst folds into it (the trailing
   * edge). A waiting job never moves, so no change waits longer than the window plus the run it waits for.
   */
  async sendDebounced<T extends object>(
    queue: string,
    job: JobToSend<T> & { singletonKey: string },
    field: keyof T & string,
    windowSeconds: number,
  ): Promise<void> {
    const { rows } = await this.sql(
      `SELECT bool_or(state = 'active') AS running,
              EXTRACT(EPOCH FROM now() - max(created_on))::float8 AS since_last
       FROM ${this.settings.schema}.job
       WHERE name = $1 AND singleton_key = $2
         AND (state = 'active' OR (state <> 'cancelled' AND created_on > now() - make_interval(secs => $3)))`,
      [queue, job.singletonKey, windowSeconds],
    );
    const recent = rows[0] as { running: boolean | null; since_last: number | null } | undefined;
    const startAfter =
      recent?.since_last === null || recent?.since_last === undefined
        ? 0
        : recent.running
          ? windowSeconds
          : Math.max(0, windowSeconds - recent.since_last);
    await this.sendOrMerge(queue, { ...job, startAfter }, field);
  }

  /** Cancels the waiting job with this singleton key unless it is `keep` (a schedule that changed). */
  async cancelWaiting(queue: string, singletonKey: string, keep: string | null): Promise<void> {
    await this.sql(
      `UPDATE ${this.settings.schema}.job SET state = 'cancelled', completed_on = now()
       WHERE name = $1 AND singleton_key = $2 AND state = 'created' AND id IS DISTINCT FROM $3::uuid`,
      [queue, singletonKey, keep],
    );
  }

  /** Lets a cancelled job wait again (a schedule changed back); a job that ran or runs is left alone. */
  async uncancel(queue: string, id: string): Promise<void> {
    await this.sql(
      `UPDATE ${this.settings.schema}.job SET state = 'created', completed_on = NULL
       WHERE name = $1 AND id = $2 AND state = 'cancelled'`,
      [queue, id],
    );
  }

  /** The job's state (`created`, `retry`, `active`, `completed`, `cancelled`, `failed`), or null when unknown. */
  async stateOf(queue: string, id: string): Promise<string | null> {
    const boss = await this.start();
    const job = await boss.getJobById(queue, id);
    return job?.state ?? null;
  }

  get jobSettings(): JobSettings {
    return this.settings;
  }

  private async sql(text: string, values: unknown[]): Promise<{ rows: unknown[] }> {
    const boss = await this.start();
    return boss.getDb().executeSql(text, values);
  }

  private start(): Promise<PgBoss> {
    this.started ??= this.connect();
    return this.started;
  }

  private async connect(): Promise<PgBoss> {
    const connection = this.em.getConnection().getConnectionOptions();
    // TLS as the host configured it for MikroORM (`driverOptions.connection.ssl`, e.g. a managed PostgreSQL).
    const driverOptions: { connection?: { ssl?: unknown } } | undefined = this.em.config.get('driverOptions');
    const boss = new PgBoss({
      ...(driverOptions?.connection?.ssl !== undefined ? { ssl: driverOptions.connection.ssl } : {}),
      host: connection.host,
      port: connection.port,
      user: connection.user,
      password: connection.password as string | undefined,
      database: connection.database,
      schema: this.settings.schema,
      application_name: 'microsoft365-jobs',
      max: this.settings.poolSize,
      maintenanceIntervalSeconds: this.settings.maintenanceIntervalSeconds,
      // Per-tenant schedules are the module's own slots (jobs/tenant-schedules.ts); pg-boss's cron is not used.
      schedule: false,
    });
    // pg-boss reports its own background failures (maintenance, a lost connection) here; it keeps going.
    boss.on('error', (error: Error) => this.logger.warn(`Job engine: ${error.message.split('\n')[0]}`));
    await boss.start();
    for (const queue of this.settings.queues) {
      // `short`: one waiting job per singleton key, any number running (https://timgit.github.io/pg-boss/#/queues).
      await boss.createQueue(queue, { name: queue, policy: 'short', retryLimit: 2, retryDelay: 5 });
    }
    this.boss = boss;
    return boss;
  }

  /** A job sent by this instance is taken at once by one of its idle workers instead of at the next poll. */
  private wakeWorkers(queue: string): void {
    for (const id of this.workerIds.get(queue) ?? []) this.boss?.notifyWorker(id);
  }
}
