import { tickSecondsOf } from '../common/interval-ticker';
import { ClusterTicks } from '../jobs/cluster-ticks';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { asException, HealthFeature } from '../health/feature-health';
import { FeatureHealthService } from '../health/feature-health.service';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import {
  PresenceSubscriptionManager,
  type PresenceUpkeep,
  SAFETY_POLL_SECONDS,
} from './presence-subscription.manager';
import { TeamsPresenceSettingsService } from './teams-presence-settings.service';
import { TeamsPresencePoller } from './teams-presence.poller';
import { TeamsPresenceService } from './teams-presence.service';

const INTERVAL_NAME = 'microsoft365-teams-presence';
const DEFAULT_TICK_SECONDS = 30;

/**
 * On each tick (30 s; the module's clock, so tests move time): per tenant using Teams presence, renew the Teams
 * sessions about to expire (PBX → Teams), keep the presence subscriptions of the service account (Teams → PBX
 * change notifications, created and renewed here) and, once its poll interval has passed, read Teams presence;
 * with live subscriptions the poll slows to {@link SAFETY_POLL_SECONDS}.
 * Each tick's outcome is recorded in the feature's health (`TEAMS_PRESENCE`); a quarantined tenant waits for its
 * next attempt.
 */
@Injectable()
export class TeamsPresenceScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TeamsPresenceScheduler.name);
  private ticking = false;

  constructor(
    private readonly ticks: ClusterTicks,
    private readonly health: FeatureHealthService,
    private readonly settings: TeamsPresenceSettingsService,
    private readonly poller: TeamsPresencePoller,
    private readonly sessions: TeamsPresenceService,
    private readonly subscriptions: PresenceSubscriptionManager,
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    // Once per period for the whole PBX, on whichever instance takes it (its state is all in the database).
    this.ticks.every(INTERVAL_NAME, tickSecondsOf(this.options, DEFAULT_TICK_SECONDS), () => this.tick());
  }

  onApplicationShutdown(): void {
    this.ticks.stop(INTERVAL_NAME);
  }

  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const pbxTenantId of await this.settings.tenantsInUse()) {
        if (!(await this.health.admitsAutomaticRun(pbxTenantId, HealthFeature.TeamsPresence))) continue;
        try {
          // A service account Entra refuses was recorded once; the health stays as it left it while polling
          // stands in, until an admin signs the account in again.
          if ((await this.tickTenant(pbxTenantId)) === 'failed') continue;
          await this.health.recordSuccess(pbxTenantId, HealthFeature.TeamsPresence);
        } catch (error) {
          const exception = asException(error);
          this.logger.warn(
            `Teams presence of PBX tenant ${pbxTenantId} failed: ${exception.code} ` +
              `(status=${exception.microsoft?.status ?? '-'}, microsoftCode=${exception.microsoft?.code ?? '-'}, ` +
              `requestId=${exception.microsoft?.requestId ?? '-'})`,
          );
          await this.health.recordFailure(pbxTenantId, HealthFeature.TeamsPresence, exception);
        }
      }
    } finally {
      this.ticking = false;
    }
  }

  private async tickTenant(pbxTenantId: string): Promise<PresenceUpkeep> {
    await this.sessions.renewSessions(pbxTenantId);
    const upkeep = await this.subscriptions.upkeep(pbxTenantId);
    const { fromTeams } = await this.settings.directions(pbxTenantId);
    if (!fromTeams) return upkeep;
    const settings = await this.settings.get(pbxTenantId);
    const seconds =
      upkeep === 'active'
        ? Math.max(settings.pollIntervalSeconds, SAFETY_POLL_SECONDS)
        : settings.pollIntervalSeconds;
    const due = (settings.lastPolledAt?.getTime() ?? 0) + seconds * 1000;
    if (due <= this.clock.now().getTime()) await this.poller.poll(pbxTenantId);
    return upkeep;
  }
}
