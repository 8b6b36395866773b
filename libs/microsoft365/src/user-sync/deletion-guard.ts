export interface DeletionGuardSettings {
  /** Trip when more than this many users would be disabled or deleted in one run. */
  maxAbsolute: number;
  /** Trip when more than this share (0-100) of the synced users would be disabled or deleted in one run. */
  maxPercent: number;
}

/** Below this many synced users the percentage rule is meaningless (one leaver of three is 33%). */
const PERCENT_RULE_MIN_POPULATION = 20;

/**
 * Every synced user leaving at once is held from this many on, whatever the tenant's size and limits: in a small
 * tenant it is a typo in a department or a renamed group far more often than the whole company leaving.
 */
export const WHOLE_POPULATION_MIN = 3;

export type DeletionGuardVerdict = { tripped: false } | { tripped: true; reason: string };

/**
 * Like Entra provisioning's "accidental deletions prevention": a run that would remove too many users at once is
 * more likely a broken scope (a renamed group, a typo in a department) than a mass layoff, so it waits for an admin.
 */
export function evaluateDeletionGuard(
  removals: number,
  syncedUsers: number,
  settings: DeletionGuardSettings,
): DeletionGuardVerdict {
  if (removals >= WHOLE_POPULATION_MIN && removals >= syncedUsers) {
    return {
      tripped: true,
      reason: `All ${syncedUsers} synced users would be disabled or deleted`,
    };
  }
  if (removals > settings.maxAbsolute) {
    return {
      tripped: true,
      reason: `${removals} users would be disabled or deleted, more than the limit of ${settings.maxAbsolute}`,
    };
  }
  const percent = syncedUsers > 0 ? (removals / syncedUsers) * 100 : 0;
  if (syncedUsers >= PERCENT_RULE_MIN_POPULATION && percent > settings.maxPercent) {
    return {
      tripped: true,
      reason: `${removals} of ${syncedUsers} synced users (${Math.round(percent)}%) would be disabled or deleted, more than the limit of ${settings.maxPercent}%`,
    };
  }
  return { tripped: false };
}
