import { RunTrigger } from '../runs/sync-run-status';
import { changedUsers, fullRunReason, type RunModeInput } from './user-sync-run-mode';

const now = new Date('2026-12-06T10:00:00Z');
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3600_000);
/** A tenant with a valid cursor under the current scope and a full pass an hour ago. */
const ready: RunModeInput = {
  trigger: RunTrigger.Notification,
  deltaLink: 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=x',
  sameScope: true,
  lastFullRunAt: hoursAgo(1),
  now,
};

describe('fullRunReason', () => {
  it.each<[string, Partial<RunModeInput>, RegExp | null]>([
    // case, input (over `ready`), the reason (null = incremental)
    ['sync now: full by default', { trigger: RunTrigger.Manual }, /^Sync now reconciles fully/],
    ['sync now, full asked for', { trigger: RunTrigger.Manual, requested: 'full' }, /requested/],
    ['sync now, incremental asked for', { trigger: RunTrigger.Manual, requested: 'incremental' }, null],
    [
      'sync now, incremental asked for, but no cursor yet',
      { trigger: RunTrigger.Manual, requested: 'incremental', deltaLink: null },
      /^First run/,
    ],
    [
      'sync now, incremental asked for, after a scope change',
      { trigger: RunTrigger.Manual, requested: 'incremental', sameScope: false },
      /settings changed/,
    ],
    ['a change notification', {}, null],
    ['a change notification after a scope change', { sameScope: false }, /settings changed/],
    ['a change notification before the first run', { deltaLink: null }, /^First run/],
    ['polling or schedule within a day of the last full pass', { trigger: RunTrigger.Schedule }, null],
    ['the daily full pass', { trigger: RunTrigger.Schedule, lastFullRunAt: hoursAgo(25) }, /^Daily/],
    ['schedule, never a full pass', { trigger: RunTrigger.Schedule, lastFullRunAt: null }, /^Daily/],
    ['on demand (one user)', { trigger: RunTrigger.OnDemand, deltaLink: null }, null],
    ['a confirmation of staged leavers', { trigger: RunTrigger.Confirmation, requested: 'full' }, null],
  ])('%s', (_case, input, reason) => {
    const answer = fullRunReason({ ...ready, ...input });
    if (reason === null) expect(answer).toBeNull();
    else expect(answer).toMatch(reason);
  });
});

describe('changedUsers', () => {
  it.each<[Record<string, number>, number]>([
    [{}, 0],
    [{ unchanged: 280, skipped: 3, 'outOfScope.guest': 2, kept: 1, photos: 4 }, 0],
    [{ created: 1 }, 1],
    [{ linked: 1, updated: 2, reEnabled: 1 }, 3],
    [{ disabled: 1, deleted: 2, staged: 5 }, 3],
  ])('%j changed %d PBX users', (counts, changed) => {
    expect(changedUsers(counts)).toBe(changed);
  });
});
