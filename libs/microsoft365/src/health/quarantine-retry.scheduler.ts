import { startInterval, stopInterval } from '../common/interval-ticker';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ContactSyncRunner } from '../contact-sync/contact-sync.runner';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { RunTrigger } from '../runs/sync-run-status';
import { UserSyncRunner } from '../user-sync/user-sync.runner';
import { GroupSyncRunner } from '../group-sync/group-sync.runner';
import { HealthFeature } from './feature-health';
import { FeatureHealthService } from './feature-health.service';

const INTERVAL_NAME = 'microsoft365-quarantine-retry';
const TICK_MS = 60_000;

/**
 * Tries quarantined features again when their next attempt is due, whatever their own schedule says (a daily
 * schedule would otherwise wait a day for the 10-minute retry). Every instance ticks; the run lock lets one of them
 * run a tenant's attempt, the others skip it.
 */
@Injectable()
export class QuarantineRetryScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QuarantineRetryScheduler.name);
  private ticking = false;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly health: FeatureHealthService,
    private readonly users: UserSyncRunner,
    private readonly contacts: ContactSyncRunner,
    private readonly groups: GroupSyncRunner,
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
  ) {}

  onApplicationBootstrap(): void {
    // In tests nothing ticks behind the test's back: they call tick() themselves.
    startInterval(
      this.registry,
      INTERVAL_NAME,
      this.options.environment === 'test' ? 0 : TICK_MS / 1000,
      () => this.tick(),
    );
  }

  onApplicationShutdown(): void {
    stopInterval(this.registry, INTERVAL_NAME);
  }

  /** Starts the attempts that are due, one after another; answers how many ran. */
  async tick(): Promise<number> {
    if (this.ticking) return 0;
    this.ticking = true;
    let attempted = 0;
    try {
      for (const due of await this.health.dueForRetry()) {
        if (await this.attempt(due.pbxTenantId, due.feature)) attempted++;
      }
    } catch (error) {
      this.logger.warn(`Quarantine retries stopped: ${error instanceof Error ? error.message : 'unknown'}`);
    } finally {
      this.ticking = false;
    }
    return attempted;
  }

  private async attempt(pbxTenantId: string, feature: HealthFeature): Promise<boolean> {
    const request = { trigger: RunTrigger.Schedule };
    try {
      if (feature === HealthFeature.UserSync) await this.users.runNow(pbxTenantId, request);
      else if (feature === HealthFeature.ContactSync) await this.contacts.runNow(pbxTenantId, request);
      else if (feature === HealthFeature.GroupSync) await this.groups.runNow(pbxTenantId, request);
      else return false;
      return true;
    } catch (error) {
      // The run's own failure is recorded by the run; this is a run that did not start.
      const code = error instanceof Microsoft365Exception ? error.code : 'INTERNAL';
      if (code === Microsoft365ErrorCode.Conflict) return false;
      this.logger.warn(`Quarantine retry of ${feature} for PBX tenant ${pbxTenantId} did not start: ${code}`);
      return false;
    }
  }
}
