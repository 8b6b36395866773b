import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { TeamsPresenceService } from '@pbx/microsoft365';
import { type Subscription } from 'rxjs';
import { EnsureEntityManagerContext } from '../common/ensure-context.decorator';
import { PresenceStatus } from '../presence/presence-status';
import { type PresenceChange, PresenceService } from '../presence/presence.service';
import { CallStatesService } from './call-states.service';

/**
 * Do not disturb is a call state too (the extension refuses calls): every change to or from the DND status is
 * reported to Teams presence, whoever made it. That includes a DND the Microsoft 365 module set from Teams, which
 * the module recognises as its own and does not send back.
 */
@Injectable()
export class DndCallStateReporter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DndCallStateReporter.name);
  private subscription?: Subscription;

  constructor(
    // Read by @EnsureEntityManagerContext().
    readonly em: EntityManager,
    private readonly presence: PresenceService,
    private readonly calls: CallStatesService,
    private readonly teams: TeamsPresenceService,
  ) {}

  onModuleInit(): void {
    this.subscription = this.presence.changes$.subscribe((change) => {
      if (change.from !== PresenceStatus.DoNotDisturb && change.to !== PresenceStatus.DoNotDisturb) return;
      this.report(change).catch((error: unknown) =>
        this.logger.warn(`Call state of a user of tenant ${change.tenantId} not reported: ${String(error)}`),
      );
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  @EnsureEntityManagerContext()
  private async report(change: PresenceChange): Promise<void> {
    const state = (await this.calls.states(change.tenantId, [change.userId])).get(change.userId) ?? 'idle';
    const outcome = await this.teams.callStateChanged(change.tenantId, change.userId, state);
    if (outcome.action === 'failed') {
      this.logger.warn(
        `Teams presence for a user of tenant ${change.tenantId}: ${outcome.error?.code ?? outcome.reason}`,
      );
    }
  }
}
