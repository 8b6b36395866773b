import { type Logger } from '@nestjs/common';
import { type Clock } from '../common/clock';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { describeUnexpected } from '../common/database-failure';
import { type SyncRunEntity } from '../runs/sync-run.entity';
import { RunTrigger, type SyncKind } from '../runs/sync-run-status';
import { type SyncRunsService } from '../runs/sync-runs.service';
import { type QueuedJob } from './job-queue';
import { scheduleFingerprint, type TenantSchedule } from './schedule-slot';
import { type SyncJobData, SyncJobReason } from './sync-job';
import { type SyncJobs } from './sync-jobs';

/** What one kind of sync (user, contact, group) tells `TenantSchedules` about its stored schedules and runs. */
export interface TenantScheduleSource<S extends { pbxTenantId: string }> {
  all(): Promise<S[]>;
  get(pbxTenantId: string): Promise<S>;
  /** The schedule `settings` ask for (with the time zone in effect), or null. */
  wanted(settings: S): Promise<TenantSchedule | null>;
  /**
   * Runs to the end in the job (the run frame records its outcome); `trigger` and `jobId` go on the run, and a
   * queued run gets the options the admin asked for (full, incremental, dry run).
   */
  run(
    pbxTenantId: string,
    request: { trigger: RunTrigger; jobId: string } & NonNullable<SyncJobData['request']>,
  ): Promise<SyncRunEntity | null>;
}

/** The schedule in effect as the settings view shows it. */
export interface ScheduleView {
  timeZone: string | null;
  /** The next slot of the schedule (its cron time); null without a schedule. */
  nextRunAt: Date | null;
  /** When that slot's run starts: the slot plus this tenant's offset in the spreading window. */
  startsAt: Date | null;
}

/**
 * The per-tenant schedules of one kind of sync as jobs (replacing a cron job per tenant on every instance): saving
 * a schedule, on any instance, makes the tenant's waiting slot job the right one; each slot's job enqueues the next
 * slot before it runs. Also runs the kind's admin-started runs and escalation retries.
 */
export class TenantSchedules<S extends { pbxTenantId: string }> {
  constructor(
    private readonly jobs: SyncJobs,
    private readonly runs: SyncRunsService,
    private readonly kind: SyncKind,
    private readonly label: string,
    private readonly source: TenantScheduleSource<S>,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    jobs.handle(kind, SyncJobReason.Schedule, (job) => this.onSlot(job));
    // The escalation's attempt and the polling fallback's run are scheduled runs of the kind.
    for (const reason of [SyncJobReason.Retry, SyncJobReason.Poll]) {
      jobs.handle(kind, reason, (job) =>
        this.runReporting(job, () =>
          this.source.run(job.data.pbxTenantId, { trigger: RunTrigger.Schedule, jobId: job.id }),
        ),
      );
    }
    jobs.handle(kind, SyncJobReason.Manual, (job) => this.onQueuedRun(job));
  }

  /** At start-up: a waiting slot for every stored schedule that lacks one (the first start, an upgrade). */
  async ensureAll(): Promise<void> {
    const schedules: { pbxTenantId: string; schedule: TenantSchedule }[] = [];
    for (const settings of await this.source.all()) {
      try {
        const schedule = await this.source.wanted(settings);
        if (schedule) schedules.push({ pbxTenantId: settings.pbxTenantId, schedule });
      } catch (error) {
        // One tenant's unreadable schedule (its PBX tenant is gone) must not keep the others from being scheduled.
        this.logger.warn(
          `${this.label} schedule of PBX tenant ${settings.pbxTenantId} not scheduled: ${describeUnexpected(error)}`,
        );
      }
    }
    await this.jobs.ensureScheduled(this.kind, schedules);
  }

  /** Makes the tenant's waiting slot match its settings, for every instance at once (the job is in the database). */
  async apply(settings: S): Promise<void> {
    await this.jobs.schedule(this.kind, settings.pbxTenantId, await this.source.wanted(settings));
  }

  async view(settings: S, now: Date): Promise<ScheduleView> {
    const schedule = await this.source.wanted(settings);
    const slot = schedule ? this.jobs.slotAfter(this.kind, settings.pbxTenantId, schedule, now) : null;
    return {
      timeZone: schedule?.timeZone ?? null,
      nextRunAt: slot?.slot ?? null,
      startsAt: slot?.startAt ?? null,
    };
  }

  /**
   * A slot is due. Its schedule may have changed since it was enqueued (on any instance): a slot the settings no
   * longer ask for runs nothing and makes way for the right one. Otherwise the next slot is enqueued first, so the
   * chain survives this run's failure or its instance's end, and then the run goes.
   */
  private async onSlot(job: QueuedJob<SyncJobData>): Promise<void> {
    const { pbxTenantId } = job.data;
    const schedule = await this.source.wanted(await this.source.get(pbxTenantId));
    if (!schedule) return;
    const now = this.clock.now();
    const slot = job.data.slot ? new Date(job.data.slot) : now;
    if (scheduleFingerprint(schedule) !== job.data.schedule) {
      await this.jobs.schedule(this.kind, pbxTenantId, schedule);
      return;
    }
    // A slot taken late (every instance was down) is not followed by the slots missed meanwhile: one catch-up run.
    await this.jobs.schedule(this.kind, pbxTenantId, schedule, slot > now ? slot : now);
    await this.runReporting(job, () =>
      this.source.run(pbxTenantId, { trigger: RunTrigger.Schedule, jobId: job.id }),
    );
  }

  /** A run an admin (or the user sync, "after user sync") started: recorded already, executed here. */
  private async onQueuedRun(job: QueuedJob<SyncJobData>): Promise<void> {
    const { pbxTenantId, runId } = job.data;
    if (!runId) return;
    const run = await this.runs.get(pbxTenantId, runId);
    await this.runReporting(job, () =>
      this.source.run(pbxTenantId, { ...job.data.request, trigger: run.trigger, jobId: job.id }),
    );
  }

  /** Runs; a run that did not start for a reason the admin sees elsewhere (busy, quarantined, off) is skipped. */
  private async runReporting(job: QueuedJob<SyncJobData>, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (!(error instanceof Microsoft365Exception)) throw error;
      const skipped = SKIPPED[error.code];
      if (skipped) {
        this.logger.debug(
          `${this.label} ${job.data.reason} run of PBX tenant ${job.data.pbxTenantId} skipped: ${skipped}`,
        );
        return;
      }
      this.logger.warn(
        `${this.label} ${job.data.reason} run of PBX tenant ${job.data.pbxTenantId} did not start: ${error.code}`,
      );
    }
  }
}

const SKIPPED: Partial<Record<Microsoft365ErrorCode, string>> = {
  [Microsoft365ErrorCode.Conflict]: 'a run is in progress',
  [Microsoft365ErrorCode.Quarantined]: 'quarantined',
  [Microsoft365ErrorCode.Disabled]: 'switched off',
  [Microsoft365ErrorCode.NotConfigured]: 'not configured',
};
