import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { TenantSchedules } from '../jobs/tenant-schedules';
import { SyncJobs } from '../jobs/sync-jobs';
import { PBX_TENANTS, type PbxTenantsPort } from '../ports/pbx-tenants.port';
import { RunTrigger, SyncKind } from '../runs/sync-run-status';
import { SyncRunsService } from '../runs/sync-runs.service';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { effectiveTimeZone } from '../user-sync/schedule-time-zone';
import { type UserSyncListener } from '../user-sync/user-sync.runner';
import { GroupSyncSchedule, type GroupSyncSettingsEntity } from './group-sync-settings.entity';
import { GroupSyncSettingsService } from './group-sync-settings.service';
import { GroupSyncRunner } from './group-sync.runner';

/**
 * Group sync on its own cron (per tenant, in the schedule's time zone) as slot jobs on the job engine
 * (`TenantSchedules`, shared with the user and contact syncs), or right after each successful user sync (the
 * default: members are PBX users, so new users join their groups at once).
 */
@Injectable()
export class GroupSyncScheduler
  implements OnApplicationBootstrap, BeforeApplicationShutdown, UserSyncListener
{
  private readonly logger = new Logger(GroupSyncScheduler.name);
  private readonly pending = new Set<Promise<void>>();
  private readonly schedules: TenantSchedules<GroupSyncSettingsEntity>;

  constructor(
    jobs: SyncJobs,
    runs: SyncRunsService,
    private readonly settings: GroupSyncSettingsService,
    private readonly connection: TenantSettingsService,
    private readonly runner: GroupSyncRunner,
    @Inject(PBX_TENANTS) private readonly tenants: PbxTenantsPort,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.schedules = new TenantSchedules(
      jobs,
      runs,
      SyncKind.Groups,
      'Group sync',
      {
        // A PBX without groups schedules nothing at all.
        all: () => (this.runner.available ? this.settings.all() : Promise.resolve([])),
        get: (pbxTenantId) => this.settings.get(pbxTenantId),
        wanted: async (stored) =>
          this.runner.available && scheduleModeOf(stored) === GroupSyncSchedule.Cron
            ? { cron: stored.scheduleCron, timeZone: await this.timeZoneOf(stored) }
            : null,
        // A tenant with group sync off (the default) is skipped quietly: nothing to report.
        run: async (pbxTenantId, request) =>
          (await this.switchedOn(pbxTenantId)) ? this.runner.runNow(pbxTenantId, request) : null,
      },
      this.logger,
      clock,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.schedules.ensureAll();
  }

  /** Before the job engine and MikroORM stop: a run being queued is queued. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  apply(settings: GroupSyncSettingsEntity): Promise<void> {
    return this.schedules.apply(settings);
  }

  async scheduleOf(
    settings: GroupSyncSettingsEntity,
  ): Promise<{ timeZone: string; nextRunAt: Date | null; startsAt: Date | null }> {
    const view = await this.schedules.view(settings, this.clock.now());
    return { ...view, timeZone: view.timeZone ?? (await this.timeZoneOf(settings)) };
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
