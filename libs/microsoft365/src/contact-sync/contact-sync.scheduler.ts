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
import { ContactSyncSchedule, type ContactSyncSettingsEntity } from './contact-sync-settings.entity';
import { ContactSyncSettingsService } from './contact-sync-settings.service';
import { ContactSyncRunner } from './contact-sync.runner';
import { TenantSchedules } from '../jobs/tenant-schedules';
import { SyncJobs } from '../jobs/sync-jobs';
import { PBX_TENANTS, type PbxTenantsPort } from '../ports/pbx-tenants.port';
import { RunTrigger, SyncKind } from '../runs/sync-run-status';
import { SyncRunsService } from '../runs/sync-runs.service';
import { effectiveTimeZone } from '../user-sync/schedule-time-zone';
import { type UserSyncListener } from '../user-sync/user-sync.runner';

/**
 * Contact sync on its own cron (per tenant, in the schedule's time zone: the PBX tenant's unless the admin chose
 * one), as slot jobs on the job engine (`TenantSchedules`, shared with the user and group syncs), or right after
 * each user sync that changed users.
 */
@Injectable()
export class ContactSyncScheduler
  implements OnApplicationBootstrap, BeforeApplicationShutdown, UserSyncListener
{
  private readonly logger = new Logger(ContactSyncScheduler.name);
  private readonly schedules: TenantSchedules<ContactSyncSettingsEntity>;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    jobs: SyncJobs,
    runs: SyncRunsService,
    private readonly settings: ContactSyncSettingsService,
    private readonly runner: ContactSyncRunner,
    @Inject(PBX_TENANTS) private readonly tenants: PbxTenantsPort,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.schedules = new TenantSchedules(
      jobs,
      runs,
      SyncKind.Contacts,
      'Contact sync',
      {
        all: () => this.settings.all(),
        get: (pbxTenantId) => this.settings.get(pbxTenantId),
        wanted: async (stored) =>
          scheduleModeOf(stored) === ContactSyncSchedule.Cron
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
  apply(settings: ContactSyncSettingsEntity): Promise<void> {
    return this.schedules.apply(settings);
  }

  /** The cron schedule's time zone in effect, its next slot and when that slot's run starts. */
  async scheduleOf(
    settings: ContactSyncSettingsEntity,
  ): Promise<{ timeZone: string; nextRunAt: Date | null; startsAt: Date | null }> {
    const view = await this.schedules.view(settings, this.clock.now());
    return { ...view, timeZone: view.timeZone ?? (await this.timeZoneOf(settings)) };
  }

  /**
   * Called by the user sync after each successful run; starts a contact run when the tenant asked for that and the
   * user sync changed PBX users. An idle user sync (one Graph request) must not start a contact pass over every
   * mailbox (a dozen requests per mailbox: thousands for a few hundred users); contact changes in between arrive
   * by change notifications and the contact sync's own cron.
   */
  userSyncSucceeded(pbxTenantId: string, outcome: { changedUsers: number }): void {
    if (outcome.changedUsers === 0) return;
    // Only recorded and queued here (the run is a job): the user sync's job is not held up by it.
    const done = (async () => {
      const settings = await this.settings.get(pbxTenantId);
      if (scheduleModeOf(settings) !== ContactSyncSchedule.AfterUserSync) return;
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

  /** Before the job engine and MikroORM stop: a run being queued is queued. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.pending]);
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
      if (error instanceof Microsoft365Exception && error.code === Microsoft365ErrorCode.Quarantined) {
        this.logger.debug(`Scheduled contact sync of PBX tenant ${pbxTenantId} skipped: quarantined`);
        return;
      }
      const code = error instanceof Microsoft365Exception ? error.code : 'INTERNAL';
      this.logger.warn(`Scheduled contact sync of PBX tenant ${pbxTenantId} did not start: ${code}`);
    }
  }

  private timeZoneOf(settings: ContactSyncSettingsEntity): Promise<string> {
    return effectiveTimeZone(this.tenants, settings.pbxTenantId, settings.scheduleTimeZone);
  }
}

/** The entity's `Opt` brand hides the enum from the linter's comparison check. */
function scheduleModeOf(settings: ContactSyncSettingsEntity): ContactSyncSchedule {
  return settings.schedule;
}
