import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CLOCK, type Clock } from '@pbx/microsoft365/common/clock';
import { Microsoft365Exception } from '@pbx/microsoft365/common/microsoft365.exception';
import { MICROSOFT365_OPTIONS } from '@pbx/microsoft365/microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '@pbx/microsoft365/microsoft365-module-options';
import { KeyedDebouncer } from '@pbx/microsoft365/notifications/keyed-debouncer';
import { CalendarPresenceRunner } from '@pbx/microsoft365/presence/calendar-presence.runner';
import { CalendarPresenceSettingsService } from '@pbx/microsoft365/presence/calendar-presence-settings.service';

const INTERVAL_NAME = 'microsoft365-calendar-presence';
const DEFAULT_TICK_SECONDS = 30;

/**
 * Polls each tenant's calendars when its poll interval has passed (on the module's clock, so tests can move time),
 * and at once (debounced) when an event notification says a calendar changed.
 */
@Injectable()
export class CalendarPresenceScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CalendarPresenceScheduler.name);
  private readonly soon: KeyedDebouncer;
  private ticking = false;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly settings: CalendarPresenceSettingsService,
    private readonly runner: CalendarPresenceRunner,
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.soon = new KeyedDebouncer({
      windowMs: options.notifications?.debounceMs ?? 5_000,
      retryMs: 5_000,
      work: async (pbxTenantId) => {
        await this.runner.refresh(pbxTenantId);
        return 'done';
      },
      onError: (pbxTenantId, error) => this.report(pbxTenantId, error),
    });
  }

  onApplicationBootstrap(): void {
    // In tests nothing ticks behind the test's back: they call tick() themselves.
    const seconds =
      this.options.notifications?.tickSeconds ??
      (this.options.environment === 'test' ? 0 : DEFAULT_TICK_SECONDS);
    if (seconds <= 0) return;
    const timer = setInterval(() => void this.tick(), seconds * 1000);
    timer.unref();
    this.registry.addInterval(INTERVAL_NAME, timer);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', INTERVAL_NAME)) this.registry.deleteInterval(INTERVAL_NAME);
    await this.soon.close();
  }

  /** An event of this tenant changed: read its calendars soon rather than at the next poll. */
  refreshSoon(pbxTenantId: string): void {
    this.soon.poke(pbxTenantId);
  }

  /** Polls every tenant whose interval has passed. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = this.clock.now().getTime();
      for (const settings of await this.settings.all()) {
        const due = (settings.lastPolledAt?.getTime() ?? 0) + settings.pollIntervalSeconds * 1000 <= now;
        if (!due || !(await this.settings.enabled(settings.pbxTenantId))) continue;
        try {
          await this.runner.refresh(settings.pbxTenantId);
        } catch (error) {
          this.report(settings.pbxTenantId, error);
        }
      }
    } finally {
      this.ticking = false;
    }
  }

  private report(pbxTenantId: string, error: unknown): void {
    const code = error instanceof Microsoft365Exception ? error.code : 'INTERNAL';
    this.logger.warn(`Calendar presence of PBX tenant ${pbxTenantId} failed: ${code}`);
  }
}
