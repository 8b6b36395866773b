/**
 * Failure escalation of a tenant's background feature, modelled on Entra provisioning's quarantine
 * (https://learn.microsoft.com/entra/identity/app-provisioning/application-provisioning-quarantine-status):
 * consecutive failures move it from healthy to degraded to quarantined; a quarantined feature is tried on a
 * slowing schedule instead of on every tick or notification, and is healthy again after its first success or when
 * an admin restarts it.
 */
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';

export enum HealthFeature {
  UserSync = 'USER_SYNC',
  ContactSync = 'CONTACT_SYNC',
  GroupSync = 'GROUP_SYNC',
  Presence = 'PRESENCE',
  Subscriptions = 'SUBSCRIPTIONS',
  TeamsPresence = 'TEAMS_PRESENCE',
}

export enum HealthState {
  Healthy = 'HEALTHY',
  /** Failed lately; still runs on its normal schedule. */
  Degraded = 'DEGRADED',
  /** Failed too often: runs only when its next attempt is due (or an admin starts it). */
  Quarantined = 'QUARANTINED',
}

export interface EscalationPolicy {
  /** Consecutive failures that quarantine a feature. */
  quarantineAfter: number;
  /** Waits between attempts while quarantined; the last one repeats. */
  retryDelaysMs: readonly number[];
}

const MINUTE = 60_000;

export const DEFAULT_ESCALATION_POLICY: EscalationPolicy = {
  quarantineAfter: 3,
  retryDelaysMs: [10 * MINUTE, 60 * MINUTE, 6 * 60 * MINUTE, 24 * 60 * MINUTE],
};

export interface HealthAfterFailure {
  state: HealthState;
  consecutiveFailures: number;
  /** When automatic runs may try again; null while not quarantined. */
  nextAttemptAt: Date | null;
}

/** The state after one more consecutive failure. */
export function afterFailure(
  consecutiveFailures: number,
  now: Date,
  policy: EscalationPolicy,
): HealthAfterFailure {
  const failures = consecutiveFailures + 1;
  if (failures < policy.quarantineAfter) {
    return { state: HealthState.Degraded, consecutiveFailures: failures, nextAttemptAt: null };
  }
  const step = Math.min(failures - policy.quarantineAfter, policy.retryDelaysMs.length - 1);
  const delay = policy.retryDelaysMs[step] ?? 0;
  return {
    state: HealthState.Quarantined,
    consecutiveFailures: failures,
    nextAttemptAt: new Date(now.getTime() + delay),
  };
}

/** Whether an automatic run (schedule, notification) may start; admins' runs always may. */
export function admitsAutomaticRun(
  health: { state: HealthState; nextAttemptAt: Date | null } | null,
  now: Date,
): boolean {
  if (!health || health.state !== HealthState.Quarantined) return true;
  return health.nextAttemptAt === null || health.nextAttemptAt.getTime() <= now.getTime();
}

/** What a failure is recorded as: Microsoft's classified error, or an internal one. */
export function asException(error: unknown): Microsoft365Exception {
  return error instanceof Microsoft365Exception
    ? error
    : new Microsoft365Exception(Microsoft365ErrorCode.Internal, 'An unexpected error stopped it', {
        action: 'It is tried again; if this repeats, report it with the time and the PBX log.',
        cause: error,
      });
}
