import { asException, HealthFeature } from '../health/feature-health';
import { tickSecondsOf } from '../common/interval-ticker';
import { ClusterTicks } from '../jobs/cluster-ticks';
import { FeatureHealthService } from '../health/feature-health.service';
import { EntityManager } from '@mikro-orm/postgresql';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { JobQueue, type QueuedJob } from '../jobs/job-queue';
import { PRESENCE_QUEUE } from '../jobs/job-settings';
import { GraphSubscriptionEntity } from '../notifications/graph-subscription.entity';
import { SubscriptionKind } from '../notifications/subscription-lifetime';
import { recordNotificationLag } from '../metrics/microsoft365.metrics';
import { DEFAULT_DEBOUNCE_MS } from '../notifications/notification-timing';
import { CalendarPresenceRunner } from './calendar-presence.runner';
import { type CalendarPresenceSettingsEntity } from './calendar-presence-settings.entity';
import { CalendarPresenceSettingsService } from './calendar-presence-settings.service';

const INTERVAL_NAME = 'microsoft365-calendar-presence';
const DEFAULT_TICK_SECONDS = 30;
/**
 * Calendars watched by a live event subscription are still read this often, in case Graph stopped delivering
 * without a word. For 1,000 users that is 50 getSchedule calls per pass, 200 an hour, instead of 3,000 an hour for a
 * 60 s poll of everyone.
 */
export const SAFETY_POLL_MS = 15 * 60_000;

/**
 * Reads calendars when something may have changed, on the module's clock (so tests can move time):
 * - at once (debounced) for the user an event notification names;
 * - on each tick for the users whose last read has an event starting or ending by now, so a status follows an
 *   event boundary within a tick (30 s);
 * - every poll interval for the users without a live event subscription (or whose calendar is not known yet);
 * - every calendar in scope at least every `SAFETY_POLL_MS` (or the poll interval, when that is longer).
 */
@Injectable()
export class CalendarPresenceScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CalendarPresenceScheduler.name);
  private readonly debounceMs: number;
  private ticking = false;

  constructor(
    private readonly em: EntityManager,
    private readonly health: FeatureHealthService,
    private readonly ticks: ClusterTicks,
    private readonly settings: CalendarPresenceSettingsService,
    private readonly runner: CalendarPresenceRunner,
    private readonly queue: JobQueue,
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.debounceMs = options.notifications?.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    queue.work<CalendarReadJob>(PRESENCE_QUEUE, 1, (job) => this.readNotified(job));
  }

  onApplicationBootstrap(): void {
    // Once per period for the whole PBX, on whichever instance takes it (its state is in the database).
    this.ticks.every(INTERVAL_NAME, tickSecondsOf(this.options, DEFAULT_TICK_SECONDS), () => this.tick());
  }

  onApplicationShutdown(): void {
    this.ticks.stop(INTERVAL_NAME);
  }

  /**
   * An event of this user's calendar changed (null: some calendar of the tenant): read it soon. A job on the job
   * engine, so the read outlives this instance; notifications within the window gather their users into one read.
   */
  async refreshSoon(pbxTenantId: string, pbxUserId: string | null = null): Promise<void> {
    await this.queue.sendDebounced<CalendarReadJob>(
      PRESENCE_QUEUE,
      {
        singletonKey: `calendar:${pbxTenantId}`,
        data: { pbxTenantId, pbxUserIds: [pbxUserId ?? ALL_USERS], notifiedAt: Date.now() },
      },
      'pbxUserIds',
      this.debounceMs / 1000,
    );
  }

  private async readNotified(job: QueuedJob<CalendarReadJob>): Promise<void> {
    const { pbxTenantId, pbxUserIds, notifiedAt } = job.data;
    try {
      if (pbxUserIds.includes(ALL_USERS)) await this.runner.refresh(pbxTenantId);
      else await this.runner.refresh(pbxTenantId, { select: (id) => pbxUserIds.includes(id) });
      recordNotificationLag('calendar-presence', (Date.now() - notifiedAt) / 1000);
    } catch (error) {
      // Reported like a tick's failure; the next tick reads the calendar anyway.
      this.report(pbxTenantId, error);
    }
  }

  /** Reads, per tenant, the calendars that are due (see the class comment). */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const settings of await this.settings.all()) {
        if (!(await this.settings.enabled(settings.pbxTenantId))) continue;
        // Quarantined (failed too often): read again only when its next attempt is due.
        if (!(await this.health.admitsAutomaticRun(settings.pbxTenantId, HealthFeature.Presence))) continue;
        try {
          await this.tickTenant(settings);
          await this.health.recordSuccess(settings.pbxTenantId, HealthFeature.Presence);
        } catch (error) {
          this.report(settings.pbxTenantId, error);
          await this.health.recordFailure(settings.pbxTenantId, HealthFeature.Presence, asException(error));
        }
      }
    } finally {
      this.ticking = false;
    }
  }

  private async tickTenant(settings: CalendarPresenceSettingsEntity): Promise<void> {
    const { pbxTenantId } = settings;
    const now = this.clock.now().getTime();
    const pollMs = settings.pollIntervalSeconds * 1000;
    // A tenant polling less often than the safety poll keeps its own pace.
    if ((await this.runner.lastFullRead(pbxTenantId)) + Math.max(SAFETY_POLL_MS, pollMs) <= now) {
      await this.runner.refresh(pbxTenantId);
      return;
    }
    const at = new Date(now);
    const { known, due } = await this.runner.calendarsAt(pbxTenantId, at);
    if ((settings.lastPolledAt?.getTime() ?? 0) + pollMs <= now) {
      const watched = await this.watched(pbxTenantId, at);
      await this.runner.refresh(pbxTenantId, {
        select: (id) => !watched.has(id) || !known.has(id),
        recordPoll: true,
      });
      return;
    }
    if (due.size > 0) await this.runner.refresh(pbxTenantId, { select: (id) => due.has(id) });
  }

  /** Users whose calendar a live event subscription watches: their changes arrive as notifications. */
  private async watched(pbxTenantId: string, now: Date): Promise<Set<string>> {
    const rows = await this.em
      .fork()
      .find(
        GraphSubscriptionEntity,
        { pbxTenantId, kind: SubscriptionKind.Events, expiresAt: { $gt: now }, pbxUserId: { $ne: null } },
        { fields: ['pbxUserId'] },
      );
    return new Set(rows.map((row) => row.pbxUserId).filter((id): id is string => id !== null));
  }

  private report(pbxTenantId: string, error: unknown): void {
    const code = error instanceof Microsoft365Exception ? error.code : 'INTERNAL';
    this.logger.warn(`Calendar presence of PBX tenant ${pbxTenantId} failed: ${code}`);
  }
}

/** A calendar read a notification asked for: the users whose calendars changed, or every user (`ALL_USERS`). */
interface CalendarReadJob {
  pbxTenantId: string;
  pbxUserIds: string[];
  notifiedAt: number;
}

const ALL_USERS = '*';
