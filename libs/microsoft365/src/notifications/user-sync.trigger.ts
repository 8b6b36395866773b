import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { BUSY_RETRY_MS, DEFAULT_DEBOUNCE_MS, KeyedDebouncer } from './keyed-debouncer';
import { recordNotificationLag } from '../metrics/microsoft365.metrics';
import { RunTrigger } from '../runs/sync-run-status';
import { UserSyncSettingsService } from '../user-sync/user-sync-settings.service';
import { UserSyncRunner } from '../user-sync/user-sync.runner';

/**
 * Wakes the incremental user sync of a tenant when notifications say something changed. A notification is only a
 * hint: the run reads the changes from `/users/delta`, so a lost, repeated or forged-but-valid notification costs one
 * cheap run and never writes anything by itself.
 */
@Injectable()
export class UserSyncTrigger implements OnApplicationShutdown {
  private readonly logger = new Logger(UserSyncTrigger.name);
  private readonly debouncer: KeyedDebouncer;

  constructor(
    private readonly runner: UserSyncRunner,
    private readonly settings: UserSyncSettingsService,
    @Inject(MICROSOFT365_OPTIONS) options: Microsoft365ModuleOptions,
  ) {
    this.debouncer = new KeyedDebouncer({
      windowMs: options.notifications?.debounceMs ?? DEFAULT_DEBOUNCE_MS,
      retryMs: BUSY_RETRY_MS,
      work: (pbxTenantId, waitedMs) => this.run(pbxTenantId, waitedMs),
      onError: (pbxTenantId, error) =>
        this.logger.warn(
          `Notification run of PBX tenant ${pbxTenantId} did not start: ${
            error instanceof Microsoft365Exception ? error.code : 'INTERNAL'
          }`,
        ),
    });
  }

  /** Asks for one incremental run soon; many calls within the window give one run. */
  wake(pbxTenantId: string): void {
    this.debouncer.poke(pbxTenantId);
  }

  pending(pbxTenantId: string): boolean {
    return this.debouncer.pending(pbxTenantId);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.debouncer.close();
  }

  private async run(pbxTenantId: string, waitedMs: number): Promise<'done' | 'busy'> {
    // A notification keeps a sync current; the first (full) run is the admin's decision.
    if (!(await this.settings.get(pbxTenantId)).deltaLink) return 'done';
    try {
      await this.runner.runNow(pbxTenantId, { trigger: RunTrigger.Notification });
      recordNotificationLag('user-sync', waitedMs / 1000);
      return 'done';
    } catch (error) {
      if (!(error instanceof Microsoft365Exception)) throw error;
      // Someone else's run may have read the directory before the change: one more run after it.
      if (error.code === Microsoft365ErrorCode.Conflict) return 'busy';
      // Quarantined: its next attempt (a full or delta run) reads this change too.
      if (
        error.code === Microsoft365ErrorCode.Disabled ||
        error.code === Microsoft365ErrorCode.NotConfigured ||
        error.code === Microsoft365ErrorCode.Quarantined
      ) {
        return 'done';
      }
      throw error;
    }
  }
}
