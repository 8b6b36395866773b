import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { PBX_TENANTS, type PbxTenantsPort } from '../ports/pbx-tenants.port';
import { RunTrigger } from '../runs/sync-run-status';
import { TenantCronJobs } from '../runs/tenant-cron-jobs';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { effectiveTimeZone } from '../user-sync/schedule-time-zone';
import { type UserSyncListener } from '../user-sync/user-sync.runner';
import { GroupSyncSchedule, type GroupSyncSettingsEntity } from './group-sync-settings.entity';
import { GroupSyncSettingsService } from './group-sync-settings.service';
import { GroupSyncRunner } from './group-sync.runner';

/**
 * Group sync on its own cron (per tenant, in the schedule's time zone) or right after each successful user sync
 * (the default: members are PBX users, so new users join their groups at once). Like the contact sync's, every
 * instance registers the cron jobs and the run lock lets one of them run (`TenantCronJobs`).
 */
@Injectable()
export class GroupSyncScheduler
  implements OnApplicationBootstrap, BeforeApplicationShutdown, UserSyncListener
{
  private readonly logger = new Logger(GroupSyncScheduler.name);
  private readonly pending = new Set<Promise<void>>();
  private readonly jobs: TenantCronJobs<GroupSyncSettingsEntity>;

  constructor(
    registry: SchedulerRegistry,
    private readonly settings: GroupSyncSettingsService,
    private readonly connection: TenantSettingsService,
    private readonly runner: GroupSyncRunner,
    @Inject(PBX_TENANTS) private readonly tenants: PbxTenantsPort,
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
  ) {
    this.jobs = new TenantCronJobs(
      registry,
      'microsoft365-group-sync',
      'Group sync',
      {
        // A PBX without groups registers no job at all.
        all: () => (this.runner.available ? this.settings.all() : Promise.resolve([])),
        wanted: async (stored) =>
          scheduleModeOf(stored) === GroupSyncSchedule.Cron
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

  /** Before MikroORM closes its pool (see GroupSyncRunner). */
  async beforeApplicationShutdown(): Promise<void> {
    this.jobs.stop();
    await Promise.allSettled([...this.pending]);
  }

  apply(settings: GroupSyncSettingsEntity): Promise<void> {
    return this.jobs.apply(settings);
  }

  async scheduleOf(settings: GroupSyncSettingsEntity): Promise<{ timeZone: string; nextRunAt: Date | null }> {
    return { timeZone: await this.timeZoneOf(settings), nextRunAt: this.jobs.nextRun(settings.pbxTenantId) };
  }

  async tick(pbxTenantId: string): Promise<void> {
    if (!(await this.jobs.stillWanted(await this.settings.get(pbxTenantId)))) return;
    if (!(await this.switchedOn(pbxTenantId))) return;
    await this.runScheduled(pbxTenantId, (id) => this.runner.runNow(id, { trigger: RunTrigger.Schedule }));
  }

  /** Called by the user sync after each successful run; starts a group run when the tenant asked for that. */
  userSyncSucceeded(pbxTenantId: string): void {
    if (!this.runner.available) return;
    const done = (async () => {
      const settings = await this.settings.get(pbxTenantId);
      if (scheduleModeOf(settings) !== GroupSyncSchedule.AfterUserSync) return;
      if (!(await this.switchedOn(pbxTenantId))) return;
      await this.runScheduled(pbxTenantId, (id) => this.runner.start(id, { trigger: RunTrigger.Schedule }));
    })()
      .catch((error: unknown) =>
        this.logger.warn(
          `Group sync after the user sync of PBX tenant ${pbxTenantId} did not start: ${error instanceof Error ? error.name : 'unknown'}`,
        ),
      )
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  /** A tenant with group sync off (the default) is skipped quietly: nothing to report. */
  private async switchedOn(pbxTenantId: string): Promise<boolean> {
    const connection = await this.connection.find(pbxTenantId);
    return Boolean(connection?.enabled && connection.features.groupSync);
  }

  private async runScheduled(pbxTenantId: string, run: (id: string) => Promise<unknown>): Promise<void> {
    try {
      await run(pbxTenantId);
    } catch (error) {
      const code = error instanceof Microsoft365Exception ? error.code : 'INTERNAL';
      if (code === Microsoft365ErrorCode.Conflict || code === Microsoft365ErrorCode.Quarantined) {
        this.logger.debug(`Scheduled group sync of PBX tenant ${pbxTenantId} skipped: ${code}`);
        return;
      }
      this.logger.warn(`Scheduled group sync of PBX tenant ${pbxTenantId} did not start: ${code}`);
    }
  }

  private timeZoneOf(settings: GroupSyncSettingsEntity): Promise<string> {
    return effectiveTimeZone(this.tenants, settings.pbxTenantId, settings.scheduleTimeZone);
  }
}

/** The entity's `Opt` brand hides the enum from the linter's comparison check. */
function scheduleModeOf(settings: GroupSyncSettingsEntity): GroupSyncSchedule {
  return settings.schedule;
}
