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
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { type GraphSubscriptionEntity } from './graph-subscription.entity';
import { notificationEndpoint } from './notification-endpoint';
import { NotificationSettingsService } from './notification-settings.service';
import { SubscriptionKind } from './subscription-lifetime';
import { SubscriptionManager } from './subscription.manager';
import { ContactFolderEntity } from '../contact-sync/contact-folder.entity';
import { SyncKind } from '../runs/sync-run-status';
import { SYSTEM_SCOPE, TenantSettingsEntity } from '../settings/tenant-settings.entity';
import { UserSyncSettingsService } from '../user-sync/user-sync-settings.service';
import { SyncJobs } from '../jobs/sync-jobs';
import { describeUnexpected } from '../common/database-failure';
import { EntityManager } from '@mikro-orm/postgresql';

const INTERVAL_NAME = 'microsoft365-notifications';
const DEFAULT_TICK_SECONDS = 30;
const DEFAULT_QUIET_PERIOD_MINUTES = 10;

/**
 * Keeps subscriptions alive, and runs the fallback: while notifications do not work for a tenant (no public URL,
 * switched off, subscriptions failing or expired, or silent for longer than the quiet period), an incremental user
 * sync every `fallbackIntervalMinutes`. Its runs are scheduled runs, so the runner's daily full pass still happens.
 */
@Injectable()
export class NotificationsScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationsScheduler.name);
  private ticking = false;

  constructor(
    private readonly em: EntityManager,
    private readonly ticks: ClusterTicks,
    private readonly manager: SubscriptionManager,
    private readonly settings: NotificationSettingsService,
    private readonly jobs: SyncJobs,
    private readonly userSyncSettings: UserSyncSettingsService,
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
      await this.manager.tick();
      await this.fallback();
    } finally {
      this.ticking = false;
    }
  }

  /** Why the tenant polls, or null when notifications carry its changes. */
  async pollingReason(pbxTenantId: string): Promise<string | null> {
    const settings = await this.settings.get(pbxTenantId);
    if (!settings.enabled) return 'Change notifications are switched off';
    const endpoint = notificationEndpoint(this.options);
    if (!endpoint.usable) return endpoint.reason;
    if (settings.failingSince) return settings.lastError ?? 'Subscriptions are failing';
    const now = this.clock.now().getTime();
    const subscriptions = await this.manager.subscriptions(pbxTenantId);
    const users = subscriptions.find((s) => s.kind === SubscriptionKind.Users);
    if (!users) return 'No subscription for users yet';
    if (users.expiresAt.getTime() <= now) return 'The users subscription expired';
    return this.quietReason(subscriptions, now);
  }

  /**
   * Graph may stop delivering without telling anyone (docs/graph-notes.md §9 only promises retries for 4
   * hours): when no change notification arrived for the quiet period although the subscriptions look healthy,
   * the tenant polls too. A subscription just created or renewed starts the quiet period afresh; the next
   * notification ends the polling.
   */
  private quietReason(subscriptions: GraphSubscriptionEntity[], now: number): string | null {
    const minutes = this.options.notifications?.quietPeriodMinutes ?? DEFAULT_QUIET_PERIOD_MINUTES;
    let lastHeard = 0;
    for (const row of subscriptions) {
      if (row.kind !== SubscriptionKind.Users && row.kind !== SubscriptionKind.Groups) continue;
      for (const at of [row.lastNotificationAt, row.renewedAt, row.createdAt]) {
        if (at && at.getTime() > lastHeard) lastHeard = at.getTime();
      }
    }
    if (now - lastHeard <= minutes * 60_000) return null;
    return `No change notification for more than ${minutes} minutes: also polling, in case Microsoft stopped delivering`;
  }

  /** Starts the fallback runs that are due. */
  async fallback(): Promise<void> {
    const tenants = await this.em
      .fork()
      .find(TenantSettingsEntity, { pbxTenantId: { $ne: SYSTEM_SCOPE }, enabled: true });
    const now = this.clock.now().getTime();
    for (const tenant of tenants) {
      if (!tenant.features.userSync || !tenant.applicationId) continue;
      // Only where an admin ran the first sync: the fallback keeps a sync going, it never starts one.
      if (!(await this.userSyncSettings.get(tenant.pbxTenantId)).deltaLink) continue;
      const reason = await this.pollingReason(tenant.pbxTenantId);
      if (reason === null) continue;
      const settings = await this.settings.get(tenant.pbxTenantId);
      const last = settings.lastFallbackRunAt?.getTime() ?? 0;
      if (now - last < settings.fallbackIntervalMinutes * 60_000) continue;
      await this.settings.recordFallbackRun(tenant.pbxTenantId);
      // Queued, not run in the tick: whichever instance takes the job runs it, the tick goes on to the next tenant.
      try {
        await this.jobs.poll(SyncKind.Users, tenant.pbxTenantId);
        // Contact changes come by notifications only: a tenant without any contact subscription (notifications
        // off, no public URL) reads the mailboxes' deltas here too, once a first contact run has been made. Not
        // when only the quiet period asks for polling: an idle pass costs one folder delta per mailbox and one
        // contacts delta per folder (4,000 requests for 1,000 mailboxes), and mailboxes are quiet for hours.
        if (
          (tenant.features.personalContacts || tenant.features.sharedMailboxes) &&
          !(await this.manager.subscriptions(tenant.pbxTenantId)).some(
            (subscription) => subscription.kind === SubscriptionKind.Contacts,
          ) &&
          (await this.em.fork().count(ContactFolderEntity, { pbxTenantId: tenant.pbxTenantId })) > 0
        ) {
          await this.jobs.poll(SyncKind.Contacts, tenant.pbxTenantId);
        }
      } catch (error) {
        this.logger.warn(
          `Fallback sync of PBX tenant ${tenant.pbxTenantId} not queued: ${describeUnexpected(error)}`,
        );
      }
    }
  }
}
