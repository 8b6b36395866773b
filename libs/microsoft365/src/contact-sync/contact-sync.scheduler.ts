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
import { ContactSyncSchedule, type ContactSyncSettingsEntity } from './contact-sync-settings.entity';
import { ContactSyncSettingsService } from './contact-sync-settings.service';
import { ContactSyncRunner } from './contact-sync.runner';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { PBX_TENANTS, type PbxTenantsPort } from '../ports/pbx-tenants.port';
import { RunTrigger } from '../runs/sync-run-status';
import { TenantCronJobs } from '../runs/tenant-cron-jobs';
import { effectiveTimeZone } from '../user-sync/schedule-time-zone';
import { type UserSyncListener } from '../user-sync/user-sync.runner';

/**
 * Contact sync on its own cron (per tenant, in the schedule's time zone: the PBX tenant's unless the admin chose
 * one), or right after each successful user sync. Every PBX instance registers the cron jobs; the run lock lets
 * one instance run and the others skip. A PATCH reaches one instance only, so every instance also compares its
 * jobs with the stored settings every minute and on each tick, and replaces those that no longer match
 * (`TenantCronJobs`, shared with the user sync).
 */
@Injectable()
export class ContactSyncScheduler implements OnApplicationBootstrap, OnApplicationShutdown, UserSyncListener {
  private readonly logger = new Logger(ContactSyncScheduler.name);
  private readonly pending = new Set<Promise<void>>();
  private readonly jobs: TenantCronJobs<ContactSyncSettingsEntity>;

  constructor(
    registry: SchedulerRegistry,
    private readonly settings: ContactSyncSettingsService,
    private readonly runner: ContactSyncRunner,
    @Inject(PBX_TENANTS) private readonly tenants: PbxTenantsPort,
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
  ) {
    this.jobs = new TenantCronJobs(
      registry,
      'microsoft365-contact-sync',
      'Contact sync',
      {
        all: () => this.settings.all(),
        wanted: async (stored) =>
          scheduleModeOf(stored) === ContactSyncSchedule.Cron
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

  async onApplicationShutdown(): Promise<void> {
    this.jobs.stop();
    await Promise.allSettled([...this.pending]);
  }

  /** Registers, replaces or removes the tenant's cron job to match its settings; a matching job is left alone. */
  apply(settings: ContactSyncSettingsEntity): Promise<void> {
    return this.jobs.apply(settings);
  }

  /** Brings this instance's cron jobs in line with the stored settings of every tenant. */
  reconcile(): Promise<void> {
    return this.jobs.reconcile();
  }

  /** The cron schedule's time zone in effect, and this instance's next run (null when no job is registered). */
  async scheduleOf(
    settings: ContactSyncSettingsEntity,
  ): Promise<{ timeZone: string; nextRunAt: Date | null }> {
    return { timeZone: await this.timeZoneOf(settings), nextRunAt: this.nextRun(settings.pbxTenantId) };
  }

  nextRun(pbxTenantId: string): Date | null {
    return this.jobs.nextRun(pbxTenantId);
  }

  async tick(pbxTenantId: string): Promise<void> {
    // The schedule may have changed since the job was registered (on this or another instance): a job that no
    // longer matches the settings is replaced, and its tick, at the old time, runs nothing.
    if (!(await this.jobs.stillWanted(await this.settings.get(pbxTenantId)))) return;
    await this.runScheduled(pbxTenantId, (id) => this.runner.runNow(id, { trigger: RunTrigger.Schedule }));
  }

  /**
   * Called by the user sync after each successful run; starts a contact run when the tenant asked for that and the
   * user sync changed PBX users. An idle user sync (one Graph request) must not start a contact pass over every
   * mailbox (a dozen requests per mailbox: thousands for a few hundred users); contact changes in between arrive
   * by change notifications and the contact sync's own cron.
   */
  userSyncSucceeded(pbxTenantId: string, outcome: { changedUsers: number }): void {
    if (outcome.changedUsers === 0) return;
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
