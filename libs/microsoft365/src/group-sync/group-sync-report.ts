import { type SyncRunEntity } from '../runs/sync-run.entity';
import { SyncRunsService } from '../runs/sync-runs.service';
import { type GroupPlan } from './group-sync-plan';

/** A plan line for each skipped member is kept up to this many; the count stays exact. */
const MAX_PLAN_LINES = 1000;

/**
 * What a group plan tells the run before anything is applied (also in a dry run): the skipped members and the
 * selected groups Entra does not know, as counts and issues.
 */
export function reportPlan(run: SyncRunEntity, plan: GroupPlan): void {
  bump(run.counts, 'members.skipped', plan.skipped.length);
  for (const skip of plan.skipped) {
    SyncRunsService.addIssue(run, {
      objectId: skip.userObjectId,
      userPrincipalName: null,
      severity: 'skip',
      code: skip.reason,
      message:
        skip.reason === 'NOT_SYNCED'
          ? `Member of the group ${skip.groupObjectId}, but not synced to the PBX by the user sync`
          : `Member of the group ${skip.groupObjectId}, but the PBX user is not active (disabled, kept or unbound)`,
    });
  }
  for (const objectId of plan.missing) {
    bump(run.counts, 'groups.notFound');
    SyncRunsService.addIssue(run, {
      objectId,
      userPrincipalName: null,
      severity: 'skip',
      code: 'GROUP_NOT_FOUND',
      message: `The selected group ${objectId} does not exist in Microsoft 365`,
      action: 'Remove it from the group sync settings, or pick the group again.',
    });
  }
  run.progress.usersProcessed = run.progress.usersRead;
}

/** The plan as the run shows it: one line per group, then the skipped members. */
export function planLines(plan: GroupPlan): unknown[] {
  return [...plan.items, ...plan.skipped.map((skip) => ({ action: 'SKIP_MEMBER', ...skip }))].slice(
    0,
    MAX_PLAN_LINES,
  );
}

export function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}
