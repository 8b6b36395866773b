import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { Microsoft365Events } from '../events/microsoft365-events.service';
import { ProvisioningLogWriter } from '../provisioning-log/provisioning-log.writer';
import { SyncRunEntity } from '../runs/sync-run.entity';
import { DeletionGuardState, SyncKind } from '../runs/sync-run-status';
import { SyncRunsService } from '../runs/sync-runs.service';
import { evaluateDeletionGuard } from './deletion-guard';
import { GroupScopeResolver } from './group-scope.resolver';
import { UserLinkEntity } from './user-link.entity';
import { UserSyncSettingsEntity } from './user-sync-settings.entity';
import { MAX_PLAN_ENTRIES, type UserSyncRunContext } from './user-sync-run.context';
import { type LeaverAction, LinkState } from './user-sync-plan';
import { userSyncLog } from './user-sync-log-entries';
import { scopeFingerprint } from './user-sync-settings.service';
import { UserSyncApplier } from './user-sync.applier';

/**
 * The end of a user sync run and what comes after it: leavers applied behind the deletion guard (or staged for an
 * admin), the new delta link stored in the same transaction, and an admin's decision on staged removals.
 */
@Injectable()
export class UserSyncFinisher {
  private readonly logger = new Logger(UserSyncFinisher.name);

  constructor(
    private readonly em: EntityManager,
    private readonly groupScopes: GroupScopeResolver,
    private readonly applier: UserSyncApplier,
    private readonly log: ProvisioningLogWriter,
    private readonly runs: SyncRunsService,
    private readonly events: Microsoft365Events,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Leavers behind the deletion guard, and the new delta link, in one transaction. */
  async finish(context: UserSyncRunContext, deltaLink: string, full: boolean): Promise<void> {
    const { run, settings } = context;
    const leavers = [...context.leavers.values()];
    const removals = leavers.filter((l) => l.action === 'disable' || l.action === 'delete');
    const groupScope = context.groupScope;
    const idle =
      !full &&
      leavers.length === 0 &&
      run.progress.usersRead === 0 &&
      settings.deltaScope === scopeFingerprint(settings) &&
      // Members read again must be stored, or every following run would read them again.
      (groupScope ? groupScope.readReason === null : settings.groupDeltaLink === null);
    // Nothing changed: the stored delta link is still good (it stays valid for days, and the daily full pass takes
    // a fresh one), so an idle run writes nothing at all.
    if (idle && !run.dryRun) return;
    const synced = await this.em
      .fork()
      .count(UserLinkEntity, { pbxTenantId: run.pbxTenantId, state: LinkState.Active });
    const verdict = evaluateDeletionGuard(removals.length, synced, {
      maxAbsolute: settings.deletionGuardMaxUsers,
      maxPercent: settings.deletionGuardMaxPercent,
    });
    if (run.dryRun) {
      appendPlan(run, leavers);
      for (const leaver of leavers) count(run, `planned.${leaver.action}`);
      if (verdict.tripped) count(run, 'deletionGuardWouldTrip');
      await this.runs.save(run);
      return;
    }
    await this.em.fork().transactional(async (em) => {
      if (full) {
        // This pass decided afresh; what earlier runs staged no longer applies. They stay in the history, marked
        // superseded (with the run that superseded them), so an admin can still see what had been held back.
        await em.execute(
          `update m365_sync_runs
              set staged_removals = staged_removals || jsonb_build_object(
                    'state', ?::text, 'decidedAt', ?::text, 'supersededBy', ?::text)
            where pbx_tenant_id = ? and kind = ? and id <> ? and staged_removals->>'state' = ?`,
          [
            DeletionGuardState.Superseded,
            this.clock.now().toISOString(),
            run.id,
            run.pbxTenantId,
            SyncKind.Users,
            run.id,
            DeletionGuardState.Pending,
          ],
        );
      }
      const apply = verdict.tripped ? leavers.filter((l) => l.action === 'keep') : leavers;
      const result = await this.applier.applyLeavers(em, run.pbxTenantId, apply);
      const held = verdict.tripped ? removals.map((l) => userSyncLog.held(l, verdict.reason)) : [];
      await this.log.write(em, run, [...result.log, ...held]);
      merge(run, result.counts);
      if (verdict.tripped) {
        run.stagedRemovals = { state: DeletionGuardState.Pending, reason: verdict.reason, actions: removals };
        count(run, 'staged', removals.length);
      }
      // Only the cursor columns: an admin may have saved other settings while the run went on.
      const cursor = Object.assign(new UserSyncSettingsEntity(), {
        pbxTenantId: run.pbxTenantId,
        deltaLink,
        deltaScope: scopeFingerprint(settings),
        lastFullRunAt: full ? this.clock.now() : settings.lastFullRunAt,
        groupDeltaLink: groupScope?.deltaLink ?? null,
        groupClosure: groupScope?.closure ?? null,
      });
      await em.upsert(UserSyncSettingsEntity, cursor, {
        onConflictFields: ['pbxTenantId'],
        onConflictMergeFields: ['deltaLink', 'deltaScope', 'lastFullRunAt', 'groupDeltaLink', 'groupClosure'],
      });
      if (groupScope) await this.groupScopes.save(em, run.pbxTenantId, groupScope);
      else if (settings.groupDeltaLink !== null) await this.groupScopes.forget(em, run.pbxTenantId);
    });
    if (verdict.tripped) {
      this.logger.warn(
        `PBX tenant ${run.pbxTenantId}: deletion guard held back ${removals.length} leavers (run ${run.id})`,
      );
      this.events.emit({
        type: 'user-sync.deletion-guard-tripped',
        pbxTenantId: run.pbxTenantId,
        runId: run.id,
        staged: removals.length,
        reason: verdict.reason,
      });
    }
  }

  async applyLeavers(context: UserSyncRunContext, leavers: LeaverAction[]): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      const result = await this.applier.applyLeavers(em, context.run.pbxTenantId, leavers);
      await this.log.write(em, context.run, result.log);
      merge(context.run, result.counts);
      for (const [objectId, steps] of result.steps) {
        context.steps?.set(objectId, [...(context.steps.get(objectId) ?? []), ...steps]);
      }
    });
  }

  async pendingStaged(pbxTenantId: string, runId: string) {
    const run = await this.runs.get(pbxTenantId, runId);
    if (run.stagedRemovals?.state !== DeletionGuardState.Pending) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.Conflict,
        run.stagedRemovals
          ? `The staged removals of run ${runId} were already ${run.stagedRemovals.state.toLowerCase()}`
          : `Run ${runId} staged no removals`,
        { action: 'Look at the latest run in the history.' },
      );
    }
    return run as SyncRunEntity & { stagedRemovals: NonNullable<SyncRunEntity['stagedRemovals']> };
  }

  async decide(
    run: SyncRunEntity & { stagedRemovals: NonNullable<SyncRunEntity['stagedRemovals']> },
    state: DeletionGuardState,
    decidedBy: string | null,
  ): Promise<void> {
    await this.em.fork().nativeUpdate(
      SyncRunEntity,
      { id: run.id },
      {
        stagedRemovals: {
          ...run.stagedRemovals,
          state,
          decidedAt: this.clock.now().toISOString(),
          ...(decidedBy ? { decidedBy } : {}),
        },
      },
    );
  }
}

function count(run: SyncRunEntity, key: string, by = 1): void {
  run.counts[key] = (run.counts[key] ?? 0) + by;
}

function merge(run: SyncRunEntity, counts: Record<string, number>): void {
  for (const [key, value] of Object.entries(counts)) count(run, key, value);
}

function appendPlan(run: SyncRunEntity, actions: unknown[]): void {
  run.plan ??= [];
  run.plan.push(...actions.slice(0, Math.max(0, MAX_PLAN_ENTRIES - run.plan.length)));
}
