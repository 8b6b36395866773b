import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { PBX_TENANTS, type PbxTenantsPort } from '../ports/pbx-tenants.port';
import { RunTrigger } from '../runs/sync-run-status';
import { TenantCronJobs } from '../runs/tenant-cron-jobs';
import { effectiveTimeZone } from './schedule-time-zone';
import { type UserSyncSettingsEntity } from './user-sync-settings.entity';
import { UserSyncSettingsService } from './user-sync-settings.service';
import { UserSyncRunner } from './user-sync.runner';

/**
 * One cron job per tenant, in the schedule's time zone (the PBX tenant's unless the admin chose one), registered
 * at start-up and whenever the schedule changes. Every PBX instance registers them; the run lock lets one instance
 * run and the others skip. A PATCH reaches one instance only, so every instance also compares its jobs with the
 * stored settings every minute and on each tick, and replaces those that no longer match (`TenantCronJobs`).
 */
@Injectable()
export class UserSyncScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UserSyncScheduler.name);
  private readonly jobs: TenantCronJobs<UserSyncSettingsEntity>;

  constructor(
    registry: SchedulerRegistry,
    private readonly settings: UserSyncSettingsService,
    private readonly runner: UserSyncRunner,
    @Inject(PBX_TENANTS) private readonly tenants: PbxTenantsPort,
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
  ) {
    this.jobs = new TenantCronJobs(
      registry,
      'microsoft365-user-sync',
      'User sync',
      {
        all: () => this.settings.all(),
        wanted: async (stored) =>
          stored.scheduleEnabled
            ? { cron: stored.scheduleCron, timeZone: await this.timeZoneOf(stored) }
            : null,
        onTick: (pbxTenantId) => this.tick(pbxTenantId),
      },
      this.logger,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.start(this.options.environment);
  }

  onApplicationShutdown(): void {
    this.jobs.stop();
  }

  /** Registers, replaces or removes the tenant's job to match its settings; a job that matches is left alone. */
  apply(settings: UserSyncSettingsEntity): Promise<void> {
    return this.jobs.apply(settings);
  }

  /** Brings this instance's jobs in line with the stored settings of every tenant. */
  reconcile(): Promise<void> {
    return this.jobs.reconcile();
  }

  /** The schedule's time zone in effect, and this instance's next run (null when no job is registered). */
  async scheduleOf(settings: UserSyncSettingsEntity): Promise<{ timeZone: string; nextRunAt: Date | null }> {
    return { timeZone: await this.timeZoneOf(settings), nextRunAt: this.nextRun(settings.pbxTenantId) };
  }

  nextRun(pbxTenantId: string): Date | null {
    return this.jobs.nextRun(pbxTenantId);
  }

  async tick(pbxTenantId: string): Promise<void> {
    // The schedule may have changed since the job was registered (on this or another instance): a job that no
    // longer matches the settings is replaced, and its tick, at the old time, runs nothing.
    if (!(await this.jobs.stillWanted(await this.settings.get(pbxTenantId)))) return;
    try {
      await this.runner.runNow(pbxTenantId, { trigger: RunTrigger.Schedule });
    } catch (error) {
      if (error instanceof Microsoft365Exception && error.code === Microsoft365ErrorCode.Conflict) {
        this.logger.debug(`Scheduled user sync of PBX tenant ${pbxTenantId} skipped: a run is in progress`);
        return;
      }
      if (error instanceof Microsoft365Exception && error.code === Microsoft365ErrorCode.Quarantined) {
        this.logger.debug(`Scheduled user sync of PBX tenant ${pbxTenantId} skipped: quarantined`);
        return;
      }
      const code = error instanceof Microsoft365Exception ? error.code : 'INTERNAL';
      this.logger.warn(`Scheduled user sync of PBX tenant ${pbxTenantId} did not start: ${code}`);
    }
  }

  private timeZoneOf(settings: UserSyncSettingsEntity): Promise<string> {
    return effectiveTimeZone(this.tenants, settings.pbxTenantId, settings.scheduleTimeZone);
  }
}
