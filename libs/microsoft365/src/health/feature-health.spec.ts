import { admitsAutomaticRun, afterFailure, DEFAULT_ESCALATION_POLICY, HealthState } from './feature-health';

const now = new Date('2026-12-05T00:00:00Z');
const minutes = (date: Date | null) => (date ? (date.getTime() - now.getTime()) / 60_000 : null);

describe('failure escalation', () => {
  it.each([
    [0, HealthState.Degraded, null],
    [1, HealthState.Degraded, null],
    [2, HealthState.Quarantined, 10],
    [3, HealthState.Quarantined, 60],
    [4, HealthState.Quarantined, 360],
    [5, HealthState.Quarantined, 1440],
    [40, HealthState.Quarantined, 1440],
  ])('after %i failures, one more makes it %s, next attempt in %s minutes', (before, state, wait) => {
    const next = afterFailure(before, now, DEFAULT_ESCALATION_POLICY);
    expect(next.state).toBe(state);
    expect(next.consecutiveFailures).toBe(before + 1);
    expect(minutes(next.nextAttemptAt)).toBe(wait);
  });

  it.each([
    ['no record', null, true],
    ['healthy', { state: HealthState.Healthy, nextAttemptAt: null }, true],
    ['degraded', { state: HealthState.Degraded, nextAttemptAt: null }, true],
    [
      'quarantined, not due',
      { state: HealthState.Quarantined, nextAttemptAt: new Date(now.getTime() + 1) },
      false,
    ],
    ['quarantined, due', { state: HealthState.Quarantined, nextAttemptAt: now }, true],
  ])('admits an automatic run when %s: %s', (_case, health, admitted) => {
    expect(admitsAutomaticRun(health, now)).toBe(admitted);
  });
});
