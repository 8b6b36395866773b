import { Inject, Injectable, Logger } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { type QueuedJob } from '../jobs/job-queue';
import { type SyncJobData, SyncJobReason } from '../jobs/sync-job';
import { SyncJobs } from '../jobs/sync-jobs';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { recordNotificationLag } from '../metrics/microsoft365.metrics';
import { RunTrigger, SyncKind } from '../runs/sync-run-status';
import { UserSyncSettingsService } from '../user-sync/user-sync-settings.service';
import { UserSyncRunner } from '../user-sync/user-sync.runner';
import { BUSY_RETRY_MS, DEFAULT_DEBOUNCE_MS } from './notification-timing';

/**
 * Wakes the incremental user sync of a tenant when notifications say something changed: a job on the job engine,
 * debounced per tenant (notifications within the window fold into the waiting job), so a notification outlives the
 * instance that received it. A notification is only a hint: the run reads the changes from `/users/delta`, so a
 * lost, repeated or forged-but-valid notification costs one cheap run and never writes anything by itself.
 */
@Injectable()
export class UserSyncTrigger {
  private readonly logger = new Logger(UserSyncTrigger.name);
  private readonly debounceMs: number;

  constructor(
    private readonly runner: UserSyncRunner,
    private readonly settings: UserSyncSettingsService,
    private readonly jobs: SyncJobs,
    @Inject(MICROSOFT365_OPTIONS) options: Microsoft365ModuleOptions,
  ) {
    this.debounceMs = options.notifications?.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    jobs.handle(SyncKind.Users, SyncJobReason.Notification, (job) => this.run(job));
  }

  /** Asks for one incremental run soon; many calls within the window give one run. */
  async wake(pbxTenantId: string): Promise<void> {
    await this.jobs.wake(SyncKind.Users, pbxTenantId, this.debounceMs);
  }

  private async run(job: QueuedJob<SyncJobData>): Promise<void> {
    const { pbxTenantId } = job.data;
    // A notification keeps a sync current; the first (full) run is the admin's decision.
    if (!(await this.settings.get(pbxTenantId)).deltaLink) return;
    try {
      await this.runner.runNow(pbxTenantId, { trigger: RunTrigger.Notification, jobId: job.id });
      if (job.data.notifiedAt) recordNotificationLag('user-sync', (Date.now() - job.data.notifiedAt) / 1000);
    } catch (error) {
      if (!(error instanceof Microsoft365Exception)) throw error;
      // Someone else's run may have read the directory before the change: one more run after it.
      if (error.code === Microsoft365ErrorCode.Conflict) {
        await this.jobs.wakeAgain(SyncKind.Users, pbxTenantId, BUSY_RETRY_MS, job.data);
        return;
      }
      // Quarantined: its next attempt (a full or delta run) reads this change too. Off: nothing to keep current.
      if (
        error.code === Microsoft365ErrorCode.Disabled ||
        error.code === Microsoft365ErrorCode.NotConfigured ||
        error.code === Microsoft365ErrorCode.Quarantined
      ) {
        return;
      }
      this.logger.warn(`Notification run of PBX tenant ${pbxTenantId} did not start: ${error.code}`);
    }
  }
}
