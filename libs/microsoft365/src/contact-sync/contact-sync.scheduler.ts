import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Microsoft365ErrorCode } from '@pbx/microsoft365/common/microsoft365-error-code';
import { Microsoft365Exception } from '@pbx/microsoft365/common/microsoft365.exception';
import {
  ContactSyncSchedule,
  type ContactSyncSettingsEntity,
} from '@pbx/microsoft365/contact-sync/contact-sync-settings.entity';
import { ContactSyncSettingsService } from '@pbx/microsoft365/contact-sync/contact-sync-settings.service';
import { ContactSyncRunner } from '@pbx/microsoft365/contact-sync/contact-sync.runner';
import { RunTrigger } from '@pbx/microsoft365/runs/sync-run-status';
import { type UserSyncListener } from '@pbx/microsoft365/user-sync/user-sync.runner';
import { CronJob } from 'cron';

const jobName = (pbxTenantId: string) => `microsoft365-contact-sync:${pbxTenantId}`;

/**
 * Contact sync on its own cron (per tenant, in the tenant's time zone), or right after each successful user sync.
 * Every PBX instance registers the jobs; the run lock lets one instance run and the others skip.
 */
@Injectable()
export class ContactSyncScheduler implements OnApplicationBootstrap, OnApplicationShutdown, UserSyncListener {
  private readonly logger = new Logger(ContactSyncScheduler.name);
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly settings: ContactSyncSettingsService,
    private readonly runner: ContactSyncRunner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const settings of await this.settings.all()) this.apply(settings);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  /** Registers, replaces or removes the tenant's cron job to match its settings. */
  apply(settings: ContactSyncSettingsEntity): void {
    const name = jobName(settings.pbxTenantId);
    if (this.registry.doesExist('cron', name)) this.registry.deleteCronJob(name);
    if (scheduleOf(settings) !== ContactSyncSchedule.Cron) return;
    const job = CronJob.from({
      cronTime: settings.scheduleCron,
      timeZone: settings.scheduleTimeZone,
      onTick: () => this.tick(settings.pbxTenantId),
      start: false,
    });
    this.registry.addCronJob(name, job);
    job.start();
  }

  nextRun(pbxTenantId: string): Date | null {
    const name = jobName(pbxTenantId);
    if (!this.registry.doesExist('cron', name)) return null;
    return this.registry.getCronJob(name).nextDate().toJSDate();
  }

  async tick(pbxTenantId: string): Promise<void> {
    // The configuration may have changed since the job was registered (on this or another instance).
    const settings = await this.settings.get(pbxTenantId);
    if (scheduleOf(settings) !== ContactSyncSchedule.Cron) {
      this.apply(settings);
      return;
    }
    await this.runScheduled(pbxTenantId, (id) => this.runner.runNow(id, { trigger: RunTrigger.Schedule }));
  }

  /** Called by the user sync after each successful run; starts a contact run when the tenant asked for that. */
  userSyncSucceeded(pbxTenantId: string): void {
    const done = (async () => {
      const settings = await this.settings.get(pbxTenantId);
      if (scheduleOf(settings) !== ContactSyncSchedule.AfterUserSync) return;
      await this.runScheduled(pbxTenantId, (id) => this.runner.start(id, { trigger: RunTrigger.Schedule }));
    })()
      .catch((error: unknown) =>
        this.logger.warn(
          `Contact sync after the user sync of PBX tenant ${pbxTenantId} did not start: ${error instanceof Error ? error.name : 'unknown'}`,
        ),
      )
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  private async runScheduled(pbxTenantId: string, run: (id: string) => Promise<unknown>): Promise<void> {
    try {
      await run(pbxTenantId);
    } catch (error) {
      if (error instanceof Microsoft365Exception && error.code === Microsoft365ErrorCode.Conflict) {
        this.logger.debug(
          `Scheduled contact sync of PBX tenant ${pbxTenantId} skipped: a run is in progress`,
        );
        return;
      }
      const code = error instanceof Microsoft365Exception ? error.code : 'INTERNAL';
      this.logger.warn(`Scheduled contact sync of PBX tenant ${pbxTenantId} did not start: ${code}`);
    }
  }
}

/** The entity's `Opt` brand hides the enum from the linter's comparison check. */
function scheduleOf(settings: ContactSyncSettingsEntity): ContactSyncSchedule {
  return settings.schedule;
}
