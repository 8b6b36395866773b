import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Microsoft365ErrorCode } from '@pbx/microsoft365/common/microsoft365-error-code';
import { Microsoft365Exception } from '@pbx/microsoft365/common/microsoft365.exception';
import { RunTrigger } from '@pbx/microsoft365/runs/sync-run-status';
import { type UserSyncSettingsEntity } from '@pbx/microsoft365/user-sync/user-sync-settings.entity';
import { UserSyncSettingsService } from '@pbx/microsoft365/user-sync/user-sync-settings.service';
import { UserSyncRunner } from '@pbx/microsoft365/user-sync/user-sync.runner';
import { CronJob } from 'cron';

const jobName = (pbxTenantId: string) => `microsoft365-user-sync:${pbxTenantId}`;

/**
 * One cron job per tenant, in the tenant's time zone, registered at start-up and whenever the schedule changes.
 * Every PBX instance registers them; the run lock lets one instance run and the others skip.
 */
@Injectable()
export class UserSyncScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(UserSyncScheduler.name);

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly settings: UserSyncSettingsService,
    private readonly runner: UserSyncRunner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const settings of await this.settings.all()) this.apply(settings);
  }

  /** Registers, replaces or removes the tenant's job to match its settings. */
  apply(settings: UserSyncSettingsEntity): void {
    const name = jobName(settings.pbxTenantId);
    if (this.registry.doesExist('cron', name)) this.registry.deleteCronJob(name);
    if (!settings.scheduleEnabled) return;
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
    // The configuration may have been removed since the job was registered (on this or another instance).
    const settings = await this.settings.get(pbxTenantId);
    if (!settings.scheduleEnabled) {
      this.apply(settings);
      return;
    }
    try {
      await this.runner.runNow(pbxTenantId, { trigger: RunTrigger.Schedule });
    } catch (error) {
      if (error instanceof Microsoft365Exception && error.code === Microsoft365ErrorCode.Conflict) {
        this.logger.debug(`Scheduled user sync of PBX tenant ${pbxTenantId} skipped: a run is in progress`);
        return;
      }
      const code = error instanceof Microsoft365Exception ? error.code : 'INTERNAL';
      this.logger.warn(`Scheduled user sync of PBX tenant ${pbxTenantId} did not start: ${code}`);
    }
  }
}
