import { Inject, Injectable, Logger } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { ContactSyncRunner } from '../contact-sync/contact-sync.runner';
import { type QueuedJob } from '../jobs/job-queue';
import { type SyncJobData, SyncJobReason } from '../jobs/sync-job';
import { SyncJobs } from '../jobs/sync-jobs';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { recordNotificationLag } from '../metrics/microsoft365.metrics';
import { RunTrigger, SyncKind } from '../runs/sync-run-status';
import { BUSY_RETRY_MS, DEFAULT_DEBOUNCE_MS } from './notification-timing';

/**
 * Wakes an incremental contact sync of the mailboxes whose contacts changed: a job on the job engine, debounced per
 * tenant, whose mailboxes gather those of every notification in the window (a run holds the tenant's lock, so
 * mailboxes notified together share one run). The run reads the changes with the folders' delta links, so a
 * notification is only a hint and never writes anything by itself.
 */
@Injectable()
export class ContactSyncTrigger {
  private readonly logger = new Logger(ContactSyncTrigger.name);
  private readonly debounceMs: number;

  constructor(
    private readonly runner: ContactSyncRunner,
    private readonly jobs: SyncJobs,
    @Inject(MICROSOFT365_OPTIONS) options: Microsoft365ModuleOptions,
  ) {
    this.debounceMs = options.notifications?.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    jobs.handle(SyncKind.Contacts, SyncJobReason.Notification, (job) => this.run(job));
  }

  /** Asks for one incremental run of this mailbox soon; many calls within the window give one run. */
  async wake(pbxTenantId: string, mailboxId: string): Promise<void> {
    await this.jobs.wake(SyncKind.Contacts, pbxTenantId, this.debounceMs, { mailboxIds: [mailboxId] });
  }

  private async run(job: QueuedJob<SyncJobData>): Promise<void> {
    const { pbxTenantId } = job.data;
    const mailboxes = job.data.mailboxIds ?? [];
    if (mailboxes.length === 0) return;
    try {
      const run = await this.runner.runMailboxes(pbxTenantId, mailboxes, RunTrigger.Notification, job.id);
      if (run && job.data.notifiedAt) {
        recordNotificationLag('contact-sync', (Date.now() - job.data.notifiedAt) / 1000);
      }
    } catch (error) {
      if (!(error instanceof Microsoft365Exception)) throw error;
      if (error.code === Microsoft365ErrorCode.Conflict) {
        // Another run holds the lock and may have read the mailbox before the change: ours follows it.
        await this.jobs.wakeAgain(SyncKind.Contacts, pbxTenantId, BUSY_RETRY_MS, job.data);
        return;
      }
      // Quarantined: its next attempt (a full or delta run) reads this change too.
      if (
        error.code === Microsoft365ErrorCode.Disabled ||
        error.code === Microsoft365ErrorCode.NotConfigured ||
        error.code === Microsoft365ErrorCode.Quarantined
      ) {
        return;
      }
      this.logger.warn(`Notification contact run of PBX tenant ${pbxTenantId} did not start: ${error.code}`);
    }
  }
}
