import { type Logger } from '@nestjs/common';
import { type SchedulerRegistry } from '@nestjs/schedule';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { cronScheduleProblem } from '../user-sync/schedule.validators';
import { CronJob } from 'cron';

/** How soon an instance follows a schedule change saved on another instance. */
const RECONCILE_SECONDS = 60;

/** The cron job a tenant's settings ask for; null when they ask for none. */
export interface WantedCronJob {
  cron: string;
  timeZone: string;
}

/** What one kind of sync (user sync, contact sync) tells its `TenantCronJobs` about its stored schedules. */
export interface TenantCronSource<S extends { pbxTenantId: string }> {
  /** The stored settings of every tenant. */
  all(): Promise<S[]>;
  /** The job `settings` ask for (with the time zone in effect), or null. */
  wanted(settings: S): Promise<WantedCronJob | null>;
  /** Called when a tenant's job fires. */
  onTick(pbxTenantId: string): Promise<void>;
}

/** What a registered job was built from: when the stored settings give another, the job is replaced. */
const signatureOf = (job: WantedCronJob) => `${job.cron} @ ${job.timeZone}`;

/**
 * The per-tenant cron jobs of one kind of sync on this instance, kept in line with the stored settings. Every PBX
 * instance registers them (the run lock lets one run and the others skip), but a PATCH reaches one instance only:
 * so every instance also compares its jobs with the stored settings every minute and on each tick, and replaces
 * those that no longer match. Shared by the user sync and contact sync schedulers so that both follow a change
 * the same way.
 */
export class TenantCronJobs<S extends { pbxTenantId: string }> {
  /** Signature of each job this instance registered, by PBX tenant. */
  private readonly registered = new Map<string, string>();
  private reconciling = false;

  /**
   * @param prefix names the jobs (`<prefix>:<pbxTenantId>`) and the reconcile interval (`<prefix>-schedules`).
   * @param label starts the log lines, e.g. "User sync".
   */
  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly prefix: string,
    private readonly label: string,
    private readonly source: TenantCronSource<S>,
    private readonly logger: Logger,
  ) {}

  /** Registers every stored schedule, then reconciles every minute (not in tests: they call reconcile()). */
  async start(environment: Microsoft365ModuleOptions['environment']): Promise<void> {
    await this.reconcile();
    if (environment === 'test') return;
    const timer = setInterval(() => void this.reconcile(), RECONCILE_SECONDS * 1000);
    timer.unref();
    this.registry.addInterval(this.intervalName, timer);
  }

  stop(): void {
    if (this.registry.doesExist('interval', this.intervalName))
      this.registry.deleteInterval(this.intervalName);
  }

  /** Registers, replaces or removes the tenant's job to match its settings; a job that matches is left alone. */
  async apply(settings: S): Promise<void> {
    const pbxTenantId = settings.pbxTenantId;
    const wanted = await this.source.wanted(settings);
    if (!wanted) {
      this.remove(pbxTenantId);
      return;
    }
    const signature = signatureOf(wanted);
    const name = this.jobName(pbxTenantId);
    if (this.registered.get(pbxTenantId) === signature && this.registry.doesExist('cron', name)) return;
    this.remove(pbxTenantId);
    // Stored before schedules were checked on save (six fields, every few seconds, 31 February): not registered,
    // so it neither runs nor keeps the settings from being read and saved; the next valid schedule replaces it.
    const job = this.createJob(pbxTenantId, wanted);
    if (!job) return;
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
      const all = await this.source.all();
      for (const settings of all) {
        try {
          await this.apply(settings);
        } catch (error) {
          // One tenant's bad schedule must not keep the others from being registered.
          this.logger.warn(
            `${this.label} schedule of PBX tenant ${settings.pbxTenantId} not registered: ${error instanceof Error ? error.name : 'unknown'}`,
          );
        }
      }
      const stored = new Set(all.map((settings) => settings.pbxTenantId));
      for (const pbxTenantId of [...this.registered.keys()]) {
        if (!stored.has(pbxTenantId)) this.remove(pbxTenantId);
      }
    } catch (error) {
      this.logger.warn(
        `${this.label} schedules not reconciled: ${error instanceof Error ? error.name : 'unknown'}`,
      );
    } finally {
      this.reconciling = false;
    }
  }

  /**
   * On a tick: re-applies the settings read now and says whether the job that fired still matches them. A job
   * that no longer does is replaced, and its tick, at the old time, must run nothing.
   */
  async stillWanted(settings: S): Promise<boolean> {
    const fired = this.registered.get(settings.pbxTenantId);
    await this.apply(settings);
    const now = this.registered.get(settings.pbxTenantId);
    return now !== undefined && now === fired;
  }

  /** This instance's next run of the tenant's job; null when none is registered. */
  nextRun(pbxTenantId: string): Date | null {
    const name = this.jobName(pbxTenantId);
    if (!this.registry.doesExist('cron', name)) return null;
    try {
      return this.registry.getCronJob(name).nextDate().toJSDate();
    } catch (error) {
      this.logger.warn(
        `${this.label} schedule of PBX tenant ${pbxTenantId} has no next run: ${error instanceof Error ? error.message : 'unknown'}`,
      );
      return null;
    }
  }

  /** The job, or null (logged) when the schedule cannot run: it never reaches the registry. */
  private createJob(pbxTenantId: string, wanted: WantedCronJob): CronJob | null {
    const notRegistered = (reason: string) => {
      this.logger.warn(`${this.label} schedule of PBX tenant ${pbxTenantId} not registered: ${reason}`);
      return null;
    };
    const problem = cronScheduleProblem(wanted.cron);
    if (problem) return notRegistered(`"${wanted.cron}" ${problem}`);
    try {
      return CronJob.from({
        cronTime: wanted.cron,
        timeZone: wanted.timeZone,
        onTick: () => this.source.onTick(pbxTenantId),
        start: false,
      });
    } catch (error) {
      return notRegistered(error instanceof Error ? error.message : 'unknown');
    }
  }

  private get intervalName(): string {
    return `${this.prefix}-schedules`;
  }

  private jobName(pbxTenantId: string): string {
    return `${this.prefix}:${pbxTenantId}`;
  }

  private remove(pbxTenantId: string): void {
    const name = this.jobName(pbxTenantId);
    if (this.registry.doesExist('cron', name)) this.registry.deleteCronJob(name);
    this.registered.delete(pbxTenantId);
  }
}
