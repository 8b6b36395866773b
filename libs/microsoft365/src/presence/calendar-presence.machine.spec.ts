import {
  decidePresence,
  desiredStatus,
  type PresenceDecision,
  type PresenceMemory,
  type ScheduleItem,
} from './calendar-presence.machine';

const mem = (desired: string, applied: string | null, restore: string | null): PresenceMemory => ({
  desired,
  applied,
  restore,
});

describe('decidePresence', () => {
  it.each<[string, PresenceMemory | null, string, string | null, Partial<PresenceDecision>]>([
    ['nothing going on', null, 'AVAILABLE', null, { set: null, memory: null, reason: 'idle' }],
    [
      'an event starts: remember the status, set the mapped one',
      null,
      'AVAILABLE',
      'IN_A_MEETING',
      {
        set: 'IN_A_MEETING',
        memory: mem('IN_A_MEETING', 'IN_A_MEETING', 'AVAILABLE'),
        reason: 'event-started',
      },
    ],
    [
      'an event starts while the user already has that status',
      null,
      'DND',
      'DND',
      { set: null, memory: mem('DND', 'DND', 'DND'), reason: 'event-started' },
    ],
    [
      'the event goes on',
      mem('IN_A_MEETING', 'IN_A_MEETING', 'AVAILABLE'),
      'IN_A_MEETING',
      'IN_A_MEETING',
      { set: null, memory: mem('IN_A_MEETING', 'IN_A_MEETING', 'AVAILABLE'), reason: 'unchanged' },
    ],
    [
      'the event ends: restore',
      mem('IN_A_MEETING', 'IN_A_MEETING', 'LUNCH'),
      'IN_A_MEETING',
      null,
      { set: 'LUNCH', memory: null, reason: 'event-ended' },
    ],
    [
      'the event ends and the restore equals the current status',
      mem('DND', 'DND', 'DND'),
      'DND',
      null,
      { set: null, memory: null, reason: 'event-ended' },
    ],
    [
      'the user changed the status during the meeting: leave it',
      mem('IN_A_MEETING', 'IN_A_MEETING', 'AVAILABLE'),
      'AWAY',
      'IN_A_MEETING',
      { set: null, memory: mem('IN_A_MEETING', null, null), reason: 'manual-change' },
    ],
    [
      'after a manual change the meeting goes on: still left alone',
      mem('IN_A_MEETING', null, null),
      'AWAY',
      'IN_A_MEETING',
      { set: null, memory: mem('IN_A_MEETING', null, null), reason: 'left-alone' },
    ],
    [
      'after a manual change the meeting ends: no restore',
      mem('IN_A_MEETING', null, null),
      'AWAY',
      null,
      { set: null, memory: null, reason: 'event-ended-after-manual-change' },
    ],
    [
      'the user changed it by hand and the event ended between two polls: no restore',
      mem('IN_A_MEETING', 'IN_A_MEETING', 'AVAILABLE'),
      'AWAY',
      null,
      { set: null, memory: null, reason: 'event-ended-after-manual-change' },
    ],
    [
      'after a manual change a different event starts: act again, restoring the manual status later',
      mem('IN_A_MEETING', null, null),
      'AWAY',
      'OUT_OF_OFFICE',
      {
        set: 'OUT_OF_OFFICE',
        memory: mem('OUT_OF_OFFICE', 'OUT_OF_OFFICE', 'AWAY'),
        reason: 'event-started',
      },
    ],
    [
      'overlap: an out-of-office event starts during a meeting; the original restore is kept',
      mem('IN_A_MEETING', 'IN_A_MEETING', 'AVAILABLE'),
      'IN_A_MEETING',
      'OUT_OF_OFFICE',
      {
        set: 'OUT_OF_OFFICE',
        memory: mem('OUT_OF_OFFICE', 'OUT_OF_OFFICE', 'AVAILABLE'),
        reason: 'event-changed',
      },
    ],
    [
      'overlap: the stronger event ends, the meeting still runs',
      mem('OUT_OF_OFFICE', 'OUT_OF_OFFICE', 'AVAILABLE'),
      'OUT_OF_OFFICE',
      'IN_A_MEETING',
      {
        set: 'IN_A_MEETING',
        memory: mem('IN_A_MEETING', 'IN_A_MEETING', 'AVAILABLE'),
        reason: 'event-changed',
      },
    ],
  ])('%s', (_name, memory, current, desired, expected) => {
    expect(decidePresence(memory, current, desired)).toMatchObject(expected);
  });
});

describe('desiredStatus', () => {
  const at = new Date('2026-11-22T10:30:00Z');
  const item = (status: string, start: string, end: string): ScheduleItem => ({
    status,
    start: new Date(`2026-11-22T${start}:00Z`),
    end: new Date(`2026-11-22T${end}:00Z`),
  });
  const mapping = { busy: 'IN_A_MEETING', oof: 'OUT_OF_OFFICE', tentative: 'AWAY' };

  it.each<[string, ScheduleItem[], string | null]>([
    ['no events', [], null],
    ['a busy event now', [item('busy', '10:00', '11:00')], 'IN_A_MEETING'],
    ['the start is inclusive', [item('busy', '10:30', '11:00')], 'IN_A_MEETING'],
    ['the end is exclusive', [item('busy', '10:00', '10:30')], null],
    ['a later event', [item('busy', '11:00', '12:00')], null],
    ['free time maps to nothing', [item('free', '10:00', '11:00')], null],
    ['an unmapped state is ignored', [item('workingElsewhere', '10:00', '11:00')], null],
    [
      'overlap: oof beats busy beats tentative',
      [item('tentative', '10:00', '11:00'), item('oof', '09:00', '12:00'), item('busy', '10:00', '11:00')],
      'OUT_OF_OFFICE',
    ],
    [
      'overlap: busy beats tentative',
      [item('tentative', '10:00', '11:00'), item('busy', '10:15', '10:45')],
      'IN_A_MEETING',
    ],
  ])('%s', (_name, items, expected) => {
    expect(desiredStatus(items, at, mapping)).toBe(expected);
  });
});
