import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { type MetricFeature, recordRunEnd, type RunOutcome } from '../metrics/microsoft365.metrics';
import { SyncRunEntity } from './sync-run.entity';
import { type RunIssue, RunMode, RunStatus, RunTrigger, SyncKind } from './sync-run-status';
import { HealthFeature } from '../health/feature-health';
import { FeatureHealthService } from '../health/feature-health.service';
import { randomUUID } from 'node:crypto';
import { SyncJobs } from '../jobs/sync-jobs';

/** A running run beats this often, whatever it is waiting for (a long Retry-After, a slow page). */
export const HEARTBEAT_INTERVAL_MS = 20_000;

/**
 * A run without a job (one an admin waits for in the request: on demand, confirmation) whose heartbeat is older than
 * this was on an instance that stopped; the next run closes it. Runs with a job are judged by their job's state.
 */
const ABANDONED_AFTER_MS = 6 * HEARTBEAT_INTERVAL_MS;

/** A run report keeps this many per-user lines; the counts stay exact. */
export const MAX_RUN_ISSUES = 1000;

/** The `feature` of a run's Graph requests and of its run metrics. */
export const RUN_FEATURE: Record<SyncKind, MetricFeature> = {
  [SyncKind.Users]: 'user-sync',
  [SyncKind.Contacts]: 'contact-sync',
  [SyncKind.Groups]: 'group-sync',
};

export interface RunStart {
  pbxTenantId: string;
  kind: SyncKind;
  trigger: RunTrigger;
  mode: RunMode;
  modeReason: string | null;
  dryRun: boolean;
  /** The job the run executes in: a run of the same job that is still recorded as running is resumed. */
  jobId?: string | null;
}

/** History, progress and the one-run-per-tenant lock of sync runs. */
@Injectable()
export class SyncRunsService {
  private readonly logger = new Logger(SyncRunsService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly health: FeatureHealthService,
    private readonly jobs: SyncJobs,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Records a new run. For a real run this is also the lock: the database admits one running run per tenant
   * and kind, across every instance of the PBX.
   */
  async begin(start: RunStart): Promise<SyncRunEntity> {
    // The job was retried after its instance stopped (or it is the admin's run, recorded when asked): the same run
    // goes on, from what its pages committed.
    const resumed = start.jobId ? await this.runningOfJob(start.jobId) : null;
    if (resumed) {
      this.logger.log(`Resuming run ${resumed.id} of PBX tenant ${resumed.pbxTenantId} (job ${start.jobId})`);
      return resumed;
    }
    const automatic = start.trigger === RunTrigger.Schedule || start.trigger === RunTrigger.Notification;
    if (
      automatic &&
      !(await this.health.admitsAutomaticRun(start.pbxTenantId, healthFeatureOf(start.kind)))
    ) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.Quarantined,
        'This feature failed too often and waits for its next attempt',
        {
          action:
            'See the tenant health view; fix the cause and restart the feature, or wait for the next try.',
        },
      );
    }
    for (let attempt = 1; ; attempt++) {
      const now = this.clock.now();
      const run = Object.assign(new SyncRunEntity(), {
        ...start,
        id: randomUUID(),
        jobId: start.jobId ?? null,
        startedAt: now,
        heartbeatAt: now,
      });
      try {
        await this.em.fork().insert(SyncRunEntity, run);
        return run;
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException) || attempt > 1) throw this.busy(error);
        const running = await this.running(start.pbxTenantId, start.kind);
        if (!running || !(await this.abandoned(running, now))) throw this.busy(error, running);
        this.logger.warn(
          `Closing run ${running.id} of PBX tenant ${start.pbxTenantId}: its instance stopped`,
        );
        await this.fail(running.id, {
          code: Microsoft365ErrorCode.Internal,
          message: 'The PBX instance running this sync stopped before it finished',
          action: 'Nothing to do: the next run picks up where the data is.',
        });
      }
    }
  }

  /** Sends the recorded run's job; a run whose job could not be sent is closed, not left running. */
  async queued(run: SyncRunEntity, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (error) {
      this.logger.warn(`Run ${run.id} of PBX tenant ${run.pbxTenantId} could not be queued`);
      await this.fail(run.id, {
        code: Microsoft365ErrorCode.Internal,
        message: 'The run could not be queued',
        action: 'Check that PostgreSQL is reachable, then start the run again.',
      });
      throw error;
    }
  }

  async running(pbxTenantId: string, kind: SyncKind): Promise<SyncRunEntity | null> {
    return this.em
      .fork()
      .findOne(SyncRunEntity, { pbxTenantId, kind, status: RunStatus.Running, dryRun: false });
  }

  private async runningOfJob(jobId: string): Promise<SyncRunEntity | null> {
    return this.em.fork().findOne(SyncRunEntity, { jobId, status: RunStatus.Running });
  }

  /**
   * Whether a running run's instance stopped: its job is no longer live (the queue expired it and gave up, or it
   * was never sent); without a job, its heartbeat stopped.
   */
  private async abandoned(running: SyncRunEntity, now: Date): Promise<boolean> {
    if (running.jobId) return !(await this.jobs.isLive(running.jobId));
    return now.getTime() - running.heartbeatAt.getTime() >= ABANDONED_AFTER_MS;
  }

  async heartbeat(runId: string): Promise<void> {
    await this.em.fork().nativeUpdate(SyncRunEntity, { id: runId }, { heartbeatAt: this.clock.now() });
  }

  /** Saves progress; also the heartbeat that keeps the run from being taken for abandoned. */
  async save(run: SyncRunEntity): Promise<void> {
    run.heartbeatAt = this.clock.now();
    run.issues = run.issues.slice(0, MAX_RUN_ISSUES);
    await this.em.fork().nativeUpdate(
      SyncRunEntity,
      { id: run.id },
      {
        heartbeatAt: run.heartbeatAt,
        counts: run.counts,
        progress: run.progress,
        graph: run.graph,
        issues: run.issues,
        plan: run.plan,
        stagedRemovals: run.stagedRemovals,
        mode: run.mode,
        modeReason: run.modeReason,
      },
    );
  }

  async finish(run: SyncRunEntity): Promise<void> {
    run.status = run.issues.some((issue) => issue.severity === 'error')
      ? RunStatus.CompletedWithErrors
      : RunStatus.Succeeded;
    run.finishedAt = this.clock.now();
    await this.save(run);
    await this.em
      .fork()
      .nativeUpdate(SyncRunEntity, { id: run.id }, { status: run.status, finishedAt: run.finishedAt });
    recordRunMetrics(run, run.status, run.finishedAt);
  }

  async fail(runId: string, error: NonNullable<SyncRunEntity['error']>, run?: SyncRunEntity): Promise<void> {
    if (run) await this.save(run);
    const finishedAt = this.clock.now();
    await this.em
      .fork()
      .nativeUpdate(SyncRunEntity, { id: runId }, { status: RunStatus.Failed, finishedAt, error });
    if (run) recordRunMetrics(run, RunStatus.Failed, finishedAt);
  }

  async list(
    pbxTenantId: string,
    kind: SyncKind,
    page: { limit: number; before?: Date },
  ): Promise<SyncRunEntity[]> {
    return this.em
      .fork()
      .find(
        SyncRunEntity,
        { pbxTenantId, kind, ...(page.before ? { startedAt: { $lt: page.before } } : {}) },
        { orderBy: { startedAt: 'desc' }, limit: page.limit },
      );
  }

  async get(pbxTenantId: string, runId: string): Promise<SyncRunEntity> {
    const run = await this.em
      .fork()
      .findOne(SyncRunEntity, { id: runId, pbxTenantId }, { populate: ['plan'] });
    if (!run) {
      throw new Microsoft365Exception(Microsoft365ErrorCode.NotFound, `No run ${runId} in this tenant`);
    }
    return run;
  }

  static addIssue(run: SyncRunEntity, issue: RunIssue): void {
    if (run.issues.length < MAX_RUN_ISSUES) run.issues.push(issue);
  }

  private busy(error: unknown, running?: SyncRunEntity | null): Error {
    if (!(error instanceof UniqueConstraintViolationException)) return error as Error;
    return new Microsoft365Exception(
      Microsoft365ErrorCode.Conflict,
      `A sync is already running for this tenant${running ? ` (run ${running.id}, started ${running.startedAt.toISOString()})` : ''}`,
      { action: 'Wait for it to finish; its progress is in the run history.' },
    );
  }
}

/** The health record a sync kind reports to. */
export function healthFeatureOf(kind: SyncKind): HealthFeature {
  return {
    [SyncKind.Users]: HealthFeature.UserSync,
    [SyncKind.Contacts]: HealthFeature.ContactSync,
    [SyncKind.Groups]: HealthFeature.GroupSync,
  }[kind];
}

const RUN_OUTCOME: Record<RunStatus, RunOutcome | null> = {
  [RunStatus.Running]: null,
  [RunStatus.Succeeded]: 'succeeded',
  [RunStatus.CompletedWithErrors]: 'completed_with_errors',
  [RunStatus.Failed]: 'failed',
};

/**
 * Counted once the final status is written, so a run whose record failed (and is then closed as failed) counts
 * once. The items of a dry run were only planned: its duration counts, its items do not.
 */
function recordRunMetrics(run: SyncRunEntity, status: RunStatus, finishedAt: Date): void {
  const outcome = RUN_OUTCOME[status];
  if (!outcome) return;
  recordRunEnd({
    feature: RUN_FEATURE[run.kind],
    outcome,
    mode: run.mode === RunMode.Full ? 'full' : 'incremental',
    seconds: (finishedAt.getTime() - run.startedAt.getTime()) / 1000,
    ...(run.dryRun ? {} : { items: run.counts }),
  });
}
