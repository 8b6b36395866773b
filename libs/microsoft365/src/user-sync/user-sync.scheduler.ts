import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { TenantSchedules } from '../jobs/tenant-schedules';
import { SyncJobs } from '../jobs/sync-jobs';
import { PBX_TENANTS, type PbxTenantsPort } from '../ports/pbx-tenants.port';
import { SyncKind } from '../runs/sync-run-status';
import { SyncRunsService } from '../runs/sync-runs.service';
import { effectiveTimeZone } from './schedule-time-zone';
import { type UserSyncSettingsEntity } from './user-sync-settings.entity';
import { UserSyncSettingsService } from './user-sync-settings.service';
import { UserSyncRunner } from './user-sync.runner';

/**
 * The user sync's schedule per tenant, in the schedule's time zone (the PBX tenant's unless the admin chose one), as
 * slot jobs on the job engine (`TenantSchedules`): saved through any instance, followed by all at once; each slot
 * runs once, on whichever instance takes it. Also runs the admin's queued runs and the escalation's retries.
 */
@Injectable()
export class UserSyncScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(UserSyncScheduler.name);
  private readonly schedules: TenantSchedules<UserSyncSettingsEntity>;

  constructor(
    jobs: SyncJobs,
    runs: SyncRunsService,
    private readonly settings: UserSyncSettingsService,
    private readonly runner: UserSyncRunner,
    @Inject(PBX_TENANTS) private readonly tenants: PbxTenantsPort,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.schedules = new TenantSchedules(
      jobs,
      runs,
      SyncKind.Users,
      'User sync',
      {
        all: () => this.settings.all(),
        get: (pbxTenantId) => this.settings.get(pbxTenantId),
        wanted: async (stored) =>
          stored.scheduleEnabled
            ? { cron: stored.scheduleCron, timeZone: await this.timeZoneOf(stored) }
            : null,
        run: (pbxTenantId, request) => this.runner.runNow(pbxTenantId, request),
      },
      this.logger,
      clock,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.schedules.ensureAll();
  }

  /** Makes the tenant's waiting slot match its settings (on every instance: the slot is a job in the database). */
  apply(settings: UserSyncSettingsEntity): Promise<void> {
    return this.schedules.apply(settings);
  }

  /** The schedule's time zone in effect, its next slot and when that slot's run starts. */
  async scheduleOf(
    settings: UserSyncSettingsEntity,
  ): Promise<{ timeZone: string; nextRunAt: Date | null; startsAt: Date | null }> {
    const view = await this.schedules.view(settings, this.clock.now());
    return { ...view, timeZone: view.timeZone ?? (await this.timeZoneOf(settings)) };
  }

  private timeZoneOf(settings: UserSyncSettingsEntity): Promise<string> {
    return effectiveTimeZone(this.tenants, settings.pbxTenantId, settings.scheduleTimeZone);
  }
}
