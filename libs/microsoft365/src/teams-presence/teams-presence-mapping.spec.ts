import {
  defaultTeamsStatusMapping,
  effectiveTeamsStatusMapping,
  isOwnSession,
  SET_PRESENCE_PAIRS,
  sessionFor,
  statusForReading,
} from './teams-presence-mapping';

const HOST = ['AVAILABLE', 'AWAY', 'DND', 'IN_A_MEETING', 'OUT_OF_OFFICE', 'LUNCH', 'OFFLINE'];

describe('Teams presence mapping', () => {
  it('asks Teams only for pairs setPresence accepts; ringing changes nothing, idle clears', () => {
    for (const state of ['on-call', 'dnd'] as const) {
      expect(SET_PRESENCE_PAIRS).toContainEqual(sessionFor(state));
    }
    expect(sessionFor('on-call')).toEqual({ availability: 'Busy', activity: 'InACall' });
    expect(sessionFor('dnd')).toEqual({ availability: 'DoNotDisturb', activity: 'Presenting' });
    expect(sessionFor('ringing')).toBe('unchanged');
    expect(sessionFor('idle')).toBeNull();
  });

  it('finds the usual PBX statuses by default and leaves Available and Offline unmapped', () => {
    expect(defaultTeamsStatusMapping(HOST)).toEqual({
      DoNotDisturb: 'DND',
      Presenting: 'DND',
      InACall: 'IN_A_MEETING',
      InAConferenceCall: 'IN_A_MEETING',
      InAMeeting: 'IN_A_MEETING',
      Busy: 'IN_A_MEETING',
      OutOfOffice: 'OUT_OF_OFFICE',
      BeRightBack: 'AWAY',
      Away: 'AWAY',
    });
    expect(effectiveTeamsStatusMapping({ Away: 'LUNCH' }, HOST)).toEqual({ Away: 'LUNCH' });
  });

  it('looks a reading up by activity first, then availability', () => {
    const mapping = { InAMeeting: 'IN_A_MEETING', Busy: 'LUNCH', Away: 'AWAY' };
    expect(statusForReading({ availability: 'Busy', activity: 'InAMeeting' }, mapping)).toBe('IN_A_MEETING');
    expect(statusForReading({ availability: 'Busy', activity: 'InACall' }, mapping)).toBe('LUNCH');
    expect(statusForReading({ availability: 'Available', activity: 'Available' }, mapping)).toBeNull();
    expect(statusForReading({ availability: 'AvailableIdle', activity: 'Inactive' }, mapping)).toBeNull();
  });

  it('recognises our own session only when the reading is exactly the pair we set', () => {
    const ours = { availability: 'Busy', activity: 'InACall' };
    expect(isOwnSession({ availability: 'Busy', activity: 'InACall' }, ours)).toBe(true);
    expect(isOwnSession({ availability: 'DoNotDisturb', activity: 'DoNotDisturb' }, ours)).toBe(false);
    expect(isOwnSession({ availability: 'Busy', activity: 'InACall' }, null)).toBe(false);
  });
});
