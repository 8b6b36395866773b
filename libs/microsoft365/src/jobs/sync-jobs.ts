import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { describeUnexpected } from '../common/database-failure';
import { type SyncKind } from '../runs/sync-run-status';
import { JobQueue, type JobToSend, type QueuedJob } from './job-queue';
import { SYNC_QUEUE } from './job-settings';
import {
  nextSlot,
  type ScheduleSlot,
  scheduleFingerprint,
  slotJobId,
  type TenantSchedule,
} from './schedule-slot';
import { type SyncJobData, syncJobKey, SyncJobReason } from './sync-job';

/** What one kind of sync does with its jobs (registered by its scheduler). */
export type SyncJobHandler = (job: QueuedJob<SyncJobData>) => Promise<void>;

/** Job states in which a job still runs or will run. */
const LIVE_STATES = new Set(['created', 'retry', 'active']);

/**
 * Every sync run goes through the job engine's sync queue: scheduled slots, notification wakes, escalation retries
 * and admin-started runs. Whichever instance takes a job runs it; the queue keeps one waiting job per tenant, kind
 * and reason (folding bursts), and one job per schedule slot (the slot's job id), so a slot runs once however many
 * instances are alive and however their clocks differ.
 */
@Injectable()
export class SyncJobs {
  private readonly logger = new Logger(SyncJobs.name);
  private readonly handlers = new Map<string, SyncJobHandler>();

  constructor(
    private readonly queue: JobQueue,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    queue.work<SyncJobData>(SYNC_QUEUE, queue.jobSettings.concurrency, (job) => this.dispatch(job));
  }

  /** Registers what a kind of sync does with its jobs of one reason. */
  handle(kind: SyncKind, reason: SyncJobReason, handler: SyncJobHandler): void {
    this.handlers.set(`${kind}:${reason}`, handler);
  }

  /** The slot after `after` and when its run starts (the tenant's offset in the spreading window). */
  slotAfter(kind: SyncKind, pbxTenantId: string, schedule: TenantSchedule, after: Date): ScheduleSlot | null {
    return nextSlot(schedule, after, {
      pbxTenantId,
      feature: kind,
      seconds: this.queue.jobSettings.spreadSeconds,
    });
  }

  /**
   * Makes the tenant's waiting slot the one after `after` for `schedule` (null: none waits). A waiting slot of an
   * older schedule is cancelled; the same slot enqueued twice (two instances, a retried job) is one job; a slot
   * that already ran (an instance whose clock is behind asks for it again) is followed by the next one, never
   * repeated.
   */
  async schedule(
    kind: SyncKind,
    pbxTenantId: string,
    schedule: TenantSchedule | null,
    after: Date = this.clock.now(),
  ): Promise<ScheduleSlot | null> {
    const key = syncJobKey(SyncJobReason.Schedule, kind, pbxTenantId);
    if (!schedule) {
      await this.queue.cancelWaiting(SYNC_QUEUE, key, null);
      return null;
    }
    for (let from = after, hops = 0; hops < 3; hops++) {
      const slot = this.slotAfter(kind, pbxTenantId, schedule, from);
      if (!slot) {
        await this.queue.cancelWaiting(SYNC_QUEUE, key, null);
        return null;
      }
      const id = slotJobId(pbxTenantId, kind, schedule, slot.slot);
      const state = await this.queue.stateOf(SYNC_QUEUE, id);
      if (state === 'active' || state === 'completed' || state === 'failed') {
        from = slot.slot;
        continue;
      }
      await this.queue.cancelWaiting(SYNC_QUEUE, key, id);
      if (state === 'cancelled') {
        // Cancelled by an earlier change that this one undoes: it waits again.
        await this.queue.uncancel(SYNC_QUEUE, id);
      } else if (state === null) {
        await this.queue.send<SyncJobData>(SYNC_QUEUE, slotJob(kind, pbxTenantId, schedule, slot));
      }
      return slot;
    }
    return null;
  }

  /** At start-up: the next slot of every schedule, for tenants whose chain of slot jobs is missing (an upgrade). */
  async ensureScheduled(
    kind: SyncKind,
    schedules: { pbxTenantId: string; schedule: TenantSchedule }[],
  ): Promise<void> {
    const now = this.clock.now();
    const jobs = schedules.flatMap(({ pbxTenantId, schedule }) => {
      const slot = this.slotAfter(kind, pbxTenantId, schedule, now);
      return slot ? [slotJob(kind, pbxTenantId, schedule, slot)] : [];
    });
    // A tenant that already has a waiting slot keeps it (the insert is folded); a slot that ran is not repeated.
    await this.queue.sendMany<SyncJobData>(SYNC_QUEUE, jobs);
  }

  /**
   * Asks for one run: at once when the tenant's notifications of this kind were quiet for `windowMs`, otherwise at
   * the end of the window (see JobQueue.sendDebounced); wakes within the window fold into the waiting job, whose
   * mailboxes gather those of every wake. A wake while a run is going waits for it (the run may have read before
   * the change).
   */
  async wake(
    kind: SyncKind,
    pbxTenantId: string,
    windowMs: number,
    extra: { mailboxIds?: string[]; notifiedAt?: number } = {},
  ): Promise<void> {
    await this.queue.sendDebounced<SyncJobData>(
      SYNC_QUEUE,
      this.notificationJob(kind, pbxTenantId, extra),
      'mailboxIds',
      windowMs / 1000,
    );
  }

  /** Asks for the run again after `delayMs` (another run held the tenant's lock), folding into a waiting one. */
  async wakeAgain(
    kind: SyncKind,
    pbxTenantId: string,
    delayMs: number,
    extra: { mailboxIds?: string[]; notifiedAt?: number } = {},
  ): Promise<void> {
    await this.queue.sendOrMerge<SyncJobData>(
      SYNC_QUEUE,
      { ...this.notificationJob(kind, pbxTenantId, extra), startAfter: delayMs / 1000 },
      'mailboxIds',
    );
  }

  private notificationJob(
    kind: SyncKind,
    pbxTenantId: string,
    extra: { mailboxIds?: string[]; notifiedAt?: number },
  ): JobToSend<SyncJobData> & { singletonKey: string } {
    return {
      singletonKey: syncJobKey(SyncJobReason.Notification, kind, pbxTenantId),
      data: {
        kind,
        pbxTenantId,
        reason: SyncJobReason.Notification,
        notifiedAt: extra.notifiedAt ?? Date.now(),
        ...(extra.mailboxIds ? { mailboxIds: extra.mailboxIds } : {}),
      },
    };
  }

  /** The polling fallback's run, now; one waits per tenant and kind. */
  async poll(kind: SyncKind, pbxTenantId: string): Promise<void> {
    await this.queue.send<SyncJobData>(SYNC_QUEUE, {
      singletonKey: syncJobKey(SyncJobReason.Poll, kind, pbxTenantId),
      data: { kind, pbxTenantId, reason: SyncJobReason.Poll },
    });
  }

  /** The escalation's next attempt of a held-back feature, in `delayMs`; one waits per tenant and kind. */
  async retryIn(kind: SyncKind, pbxTenantId: string, delayMs: number): Promise<void> {
    const key = syncJobKey(SyncJobReason.Retry, kind, pbxTenantId);
    // A later failure moves the attempt: the waiting one gives way.
    await this.queue.cancelWaiting(SYNC_QUEUE, key, null);
    await this.queue.send<SyncJobData>(SYNC_QUEUE, {
      singletonKey: key,
      startAfter: Math.max(0, Math.ceil(delayMs / 1000)),
      retryLimit: 0,
      data: { kind, pbxTenantId, reason: SyncJobReason.Retry },
    });
  }

  /**
   * At start-up: the next attempt of every held-back feature whose attempt is not queued (features quarantined
   * before an upgrade to jobs); a waiting attempt is kept.
   */
  async ensureRetries(due: { kind: SyncKind; pbxTenantId: string; at: Date }[]): Promise<void> {
    const now = this.clock.now().getTime();
    await this.queue.sendMany<SyncJobData>(
      SYNC_QUEUE,
      due.map(({ kind, pbxTenantId, at }) => ({
        singletonKey: syncJobKey(SyncJobReason.Retry, kind, pbxTenantId),
        startAfter: Math.max(0, Math.ceil((at.getTime() - now) / 1000)),
        retryLimit: 0,
        data: { kind, pbxTenantId, reason: SyncJobReason.Retry },
      })),
    );
  }

  /** Queues a recorded run an admin started; whichever instance takes it runs it. */
  async startRun(
    kind: SyncKind,
    run: { id: string; pbxTenantId: string; jobId: string | null },
    request: SyncJobData['request'] = {},
  ): Promise<void> {
    if (!run.jobId) throw new Error(`Run ${run.id} has no job id`);
    await this.queue.send<SyncJobData>(SYNC_QUEUE, {
      id: run.jobId,
      data: { kind, pbxTenantId: run.pbxTenantId, reason: SyncJobReason.Manual, runId: run.id, request },
    });
  }

  /** Whether the job still runs or will run; false once it finished, failed for good, or is unknown. */
  async isLive(jobId: string): Promise<boolean> {
    const state = await this.queue.stateOf(SYNC_QUEUE, jobId);
    return state !== null && LIVE_STATES.has(state);
  }

  private async dispatch(job: QueuedJob<SyncJobData>): Promise<void> {
    const handler = this.handlers.get(`${job.data.kind}:${job.data.reason}`);
    // A kind the host does not offer (group sync without PBX_GROUPS): nothing to run.
    if (!handler) return;
    try {
      await handler(job);
    } catch (error) {
      // The run records its own failure; this is a job that could not even start a run (the database went away).
      // Thrown, so the queue retries it (retryLimit, with a delay).
      this.logger.warn(
        `${job.data.reason} job ${job.id} (${job.data.kind}) of PBX tenant ${job.data.pbxTenantId} failed: ${describeUnexpected(error)}`,
      );
      throw error;
    }
  }
}

/** The job of a schedule slot: its id names the slot, its key keeps one slot waiting per tenant and kind. */
function slotJob(
  kind: SyncKind,
  pbxTenantId: string,
  schedule: TenantSchedule,
  slot: ScheduleSlot,
): JobToSend<SyncJobData> {
  return {
    id: slotJobId(pbxTenantId, kind, schedule, slot.slot),
    singletonKey: syncJobKey(SyncJobReason.Schedule, kind, pbxTenantId),
    startAfter: slot.startAt,
    data: {
      kind,
      pbxTenantId,
      reason: SyncJobReason.Schedule,
      slot: slot.slot.toISOString(),
      schedule: scheduleFingerprint(schedule),
    },
  };
}
