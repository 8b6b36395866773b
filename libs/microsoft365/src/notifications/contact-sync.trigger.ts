import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { ContactSyncRunner } from '../contact-sync/contact-sync.runner';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { BUSY_RETRY_MS, DEFAULT_DEBOUNCE_MS, KeyedDebouncer } from './keyed-debouncer';
import { recordNotificationLag } from '../metrics/microsoft365.metrics';
import { RunTrigger } from '../runs/sync-run-status';

/**
 * Wakes an incremental contact sync of the mailboxes whose contacts changed. Debounced per tenant (a run holds the
 * tenant's lock, so mailboxes notified together share one run); the run reads the changes with the folders' delta
 * links, so a notification is only a hint and never writes anything by itself.
 */
@Injectable()
export class ContactSyncTrigger implements OnApplicationShutdown {
  private readonly logger = new Logger(ContactSyncTrigger.name);
  private readonly debouncer: KeyedDebouncer;
  /** Mailboxes notified and not yet handed to a run, per tenant. */
  private readonly waiting = new Map<string, Set<string>>();

  constructor(
    private readonly runner: ContactSyncRunner,
    @Inject(MICROSOFT365_OPTIONS) options: Microsoft365ModuleOptions,
  ) {
    this.debouncer = new KeyedDebouncer({
      windowMs: options.notifications?.debounceMs ?? DEFAULT_DEBOUNCE_MS,
      retryMs: BUSY_RETRY_MS,
      work: (pbxTenantId, waitedMs) => this.run(pbxTenantId, waitedMs),
      onError: (pbxTenantId, error) =>
        this.logger.warn(
          `Notification contact run of PBX tenant ${pbxTenantId} did not start: ${
            error instanceof Microsoft365Exception ? error.code : 'INTERNAL'
          }`,
        ),
    });
  }

  /** Asks for one incremental run of this mailbox soon; many calls within the window give one run. */
  wake(pbxTenantId: string, mailboxId: string): void {
    const mailboxes = this.waiting.get(pbxTenantId) ?? new Set<string>();
    mailboxes.add(mailboxId);
    this.waiting.set(pbxTenantId, mailboxes);
    this.debouncer.poke(pbxTenantId);
  }

  pending(pbxTenantId: string): boolean {
    return this.debouncer.pending(pbxTenantId);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.debouncer.close();
  }

  private async run(pbxTenantId: string, waitedMs: number): Promise<'done' | 'busy'> {
    const mailboxes = [...(this.waiting.get(pbxTenantId) ?? [])];
    this.waiting.delete(pbxTenantId);
    if (mailboxes.length === 0) return 'done';
    try {
      const run = await this.runner.runMailboxes(pbxTenantId, mailboxes, RunTrigger.Notification);
      if (run) recordNotificationLag('contact-sync', waitedMs / 1000);
      return 'done';
    } catch (error) {
      if (!(error instanceof Microsoft365Exception)) throw error;
      if (error.code === Microsoft365ErrorCode.Conflict) {
        // Another run holds the lock and may have read the mailbox before the change: ours follows it.
        for (const mailboxId of mailboxes) this.wakeLater(pbxTenantId, mailboxId);
        return 'busy';
      }
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

  /** Puts a mailbox back for the retry without poking (the debouncer reschedules itself after 'busy'). */
  private wakeLater(pbxTenantId: string, mailboxId: string): void {
    const mailboxes = this.waiting.get(pbxTenantId) ?? new Set<string>();
    mailboxes.add(mailboxId);
    this.waiting.set(pbxTenantId, mailboxes);
  }
}
