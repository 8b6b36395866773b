import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Microsoft365ErrorCode } from '@pbx/microsoft365/common/microsoft365-error-code';
import { Microsoft365Exception } from '@pbx/microsoft365/common/microsoft365.exception';
import { MICROSOFT365_OPTIONS } from '@pbx/microsoft365/microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '@pbx/microsoft365/microsoft365-module-options';
import { PBX_TENANTS, type PbxTenantsPort } from '@pbx/microsoft365/ports/pbx-tenants.port';
import { RunTrigger } from '@pbx/microsoft365/runs/sync-run-status';
import { effectiveTimeZone } from '@pbx/microsoft365/user-sync/schedule-time-zone';
import { type UserSyncSettingsEntity } from '@pbx/microsoft365/user-sync/user-sync-settings.entity';
import { UserSyncSettingsService } from '@pbx/microsoft365/user-sync/user-sync-settings.service';
import { UserSyncRunner } from '@pbx/microsoft365/user-sync/user-sync.runner';
import { CronJob } from 'cron';

const jobName = (pbxTenantId: string) => `microsoft365-user-sync:${pbxTenantId}`;
const RECONCILE_INTERVAL = 'microsoft365-user-sync-schedules';
/** How soon an instance follows a schedule change saved on another instance. */
const RECONCILE_SECONDS = 60;

/** What a registered job was built from: when the stored settings give another, the job is replaced. */
const signatureOf = (cron: string, timeZone: string) => `${cron} @ ${timeZone}`;

/**
 * One cron job per tenant, in the schedule's time zone (the PBX tenant's unless the admin chose one), registered
 * at start-up and whenever the schedule changes. Every PBX instance registers them; the run lock lets one instance
 * run and the others skip. A PATCH reaches one instance only, so every instance also compares its jobs with the
 * stored settings every minute and on each tick, and replaces those that no longer match.
 */
@Injectable()
export class UserSyncScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UserSyncScheduler.name);
  /** Signature of each job this instance registered, by PBX tenant. */
  private readonly registered = new Map<string, string>();
  private reconciling = false;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly settings: UserSyncSettingsService,
    private readonly runner: UserSyncRunner,
    @Inject(PBX_TENANTS) private readonly tenants: PbxTenantsPort,
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reconcile();
    // In tests nothing ticks behind the test's back: they call reconcile() themselves.
    if (this.options.environment === 'test') return;
    const timer = setInterval(() => void this.reconcile(), RECONCILE_SECONDS * 1000);
    timer.unref();
    this.registry.addInterval(RECONCILE_INTERVAL, timer);
  }

  onApplicationShutdown(): void {
    if (this.registry.doesExist('interval', RECONCILE_INTERVAL))
      this.registry.deleteInterval(RECONCILE_INTERVAL);
  }

  /** Registers, replaces or removes the tenant's job to match its settings; a job that matches is left alone. */
  async apply(settings: UserSyncSettingsEntity): Promise<void> {
    const pbxTenantId = settings.pbxTenantId;
    if (!settings.scheduleEnabled) {
      this.remove(pbxTenantId);
      return;
    }
    const timeZone = await this.timeZoneOf(settings);
    const signature = signatureOf(settings.scheduleCron, timeZone);
    const name = jobName(pbxTenantId);
    if (this.registered.get(pbxTenantId) === signature && this.registry.doesExist('cron', name)) return;
    this.remove(pbxTenantId);
    const job = CronJob.from({
      cronTime: settings.scheduleCron,
      timeZone,
      onTick: () => this.tick(pbxTenantId),
      start: false,
    });
    this.registry.addCronJob(name, job);
    this.registered.set(pbxTenantId, signature);
    job.start();
  }

  /**
   * Brings this instance's jobs in line with the stored settings of every tenant: changed on another instance,
   * switched off, deleted with the tenant, or moved by a change of the PBX tenant's time zone.
   */
  async reconcile(): Promise<void> {
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      const all = await this.settings.all();
      for (const settings of all) {
        try {
          await this.apply(settings);
        } catch (error) {
          // One tenant's bad schedule must not keep the others from being registered.
          this.logger.warn(
            `User sync schedule of PBX tenant ${settings.pbxTenantId} not registered: ${error instanceof Error ? error.name : 'unknown'}`,
          );
        }
      }
      const stored = new Set(all.map((settings) => settings.pbxTenantId));
      for (const pbxTenantId of [...this.registered.keys()]) {
        if (!stored.has(pbxTenantId)) this.remove(pbxTenantId);
      }
    } catch (error) {
      this.logger.warn(
        `User sync schedules not reconciled: ${error instanceof Error ? error.name : 'unknown'}`,
      );
    } finally {
      this.reconciling = false;
    }
  }

  /** The schedule's time zone in effect, and this instance's next run (null when no job is registered). */
  async scheduleOf(settings: UserSyncSettingsEntity): Promise<{ timeZone: string; nextRunAt: Date | null }> {
    return { timeZone: await this.timeZoneOf(settings), nextRunAt: this.nextRun(settings.pbxTenantId) };
  }

  nextRun(pbxTenantId: string): Date | null {
    const name = jobName(pbxTenantId);
    if (!this.registry.doesExist('cron', name)) return null;
    return this.registry.getCronJob(name).nextDate().toJSDate();
  }

  async tick(pbxTenantId: string): Promise<void> {
    // The schedule may have changed since the job was registered (on this or another instance): a job that no
    // longer matches the settings is replaced, and its tick, at the old time, runs nothing.
    const settings = await this.settings.get(pbxTenantId);
    const fired = this.registered.get(pbxTenantId);
    await this.apply(settings);
    if (!settings.scheduleEnabled || this.registered.get(pbxTenantId) !== fired) return;
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

  private timeZoneOf(settings: UserSyncSettingsEntity): Promise<string> {
    return effectiveTimeZone(this.tenants, settings.pbxTenantId, settings.scheduleTimeZone);
  }

  private remove(pbxTenantId: string): void {
    const name = jobName(pbxTenantId);
    if (this.registry.doesExist('cron', name)) this.registry.deleteCronJob(name);
    this.registered.delete(pbxTenantId);
  }
}
