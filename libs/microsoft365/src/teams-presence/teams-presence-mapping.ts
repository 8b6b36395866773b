import { type PbxCallState } from '../ports/pbx-call-states.port';

/**
 * Teams presence and the PBX, both ways (docs/graph-notes.md §13).
 *
 * PBX → Teams: what an application may set with setPresence is limited to these pairs
 * (https://learn.microsoft.com/en-us/graph/api/presence-setpresence): Available/Available, Busy/InACall,
 * Busy/InAConferenceCall, Away/Away, DoNotDisturb/Presenting.
 */
export interface TeamsPresencePair {
  availability: string;
  activity: string;
}

export const SET_PRESENCE_PAIRS: readonly TeamsPresencePair[] = [
  { availability: 'Available', activity: 'Available' },
  { availability: 'Busy', activity: 'InACall' },
  { availability: 'Busy', activity: 'InAConferenceCall' },
  { availability: 'Away', activity: 'Away' },
  { availability: 'DoNotDisturb', activity: 'Presenting' },
];

/**
 * The application session a call state asks for; null: no session of ours (cleared). A ringing phone changes
 * nothing, as Teams itself changes a user's presence only once a call is answered: a call offered and missed must
 * not flicker the user to Busy.
 */
export function sessionFor(state: PbxCallState): TeamsPresencePair | 'unchanged' | null {
  switch (state) {
    case 'on-call':
      return { availability: 'Busy', activity: 'InACall' };
    case 'dnd':
      // The only do-not-disturb pair an application may set.
      return { availability: 'DoNotDisturb', activity: 'Presenting' };
    case 'ringing':
      return 'unchanged';
    case 'idle':
      return null;
  }
}

/**
 * Teams → PBX: the Teams states an admin maps to PBX statuses. A reading is looked up by its activity first (the
 * more precise), then by its availability; Available, Offline and PresenceUnknown are not mapped by default, so
 * that a user merely online in Teams leaves the PBX status alone (and gets back what Teams changed).
 */
export const TEAMS_STATES = [
  'DoNotDisturb',
  'Presenting',
  'InACall',
  'InAConferenceCall',
  'InAMeeting',
  'Busy',
  'OutOfOffice',
  'BeRightBack',
  'Away',
  'OffWork',
  'Offline',
  'Available',
] as const;

export type TeamsState = (typeof TEAMS_STATES)[number];

export type TeamsStatusMapping = Partial<Record<TeamsState, string>>;

/** The usual PBX status names for each Teams state, normalised (first found among the PBX's offered ones wins). */
const USUAL_NAMES: Partial<Record<TeamsState, readonly string[]>> = {
  DoNotDisturb: ['dnd', 'donotdisturb'],
  Presenting: ['dnd', 'donotdisturb'],
  InACall: ['inacall', 'onthephone', 'busy', 'inameeting'],
  InAConferenceCall: ['inacall', 'onthephone', 'busy', 'inameeting'],
  InAMeeting: ['inameeting', 'meeting', 'busy'],
  Busy: ['busy', 'inameeting'],
  OutOfOffice: ['outofoffice', 'away'],
  BeRightBack: ['berightback', 'away'],
  Away: ['away'],
};

const normalise = (name: string) => name.toLowerCase().replace(/[^a-z]/g, '');

export function defaultTeamsStatusMapping(offered: readonly string[]): TeamsStatusMapping {
  const byName = new Map(offered.map((status) => [normalise(status), status]));
  const mapping: TeamsStatusMapping = {};
  for (const state of TEAMS_STATES) {
    const status = (USUAL_NAMES[state] ?? []).map((name) => byName.get(name)).find((found) => found);
    if (status) mapping[state] = status;
  }
  return mapping;
}

/** The admin's mapping when they saved one, else the default for the statuses the PBX offers. */
export function effectiveTeamsStatusMapping(
  saved: TeamsStatusMapping,
  offered: readonly string[],
): TeamsStatusMapping {
  return Object.keys(saved).length > 0 ? saved : defaultTeamsStatusMapping(offered);
}

/** The PBX status a Teams reading asks for, or null when neither its activity nor its availability is mapped. */
export function statusForReading(reading: TeamsPresencePair, mapping: TeamsStatusMapping): string | null {
  for (const key of [reading.activity, reading.availability]) {
    const status = (TEAMS_STATES as readonly string[]).includes(key) ? mapping[key as TeamsState] : undefined;
    if (status !== undefined) return status;
  }
  return null;
}

/**
 * Whether a reading is what our own application session shows: the aggregated presence equals the pair we set.
 * Graph's presence carries no session id, so this is how our own state is told apart from the user's: a
 * user-configured presence wins over every application session (presence-setpresence, "Presence sessions"), so a
 * reading that differs from our pair while our session lives was set by the user or another client.
 */
export function isOwnSession(reading: TeamsPresencePair, ours: TeamsPresencePair | null): boolean {
  return ours !== null && reading.availability === ours.availability && reading.activity === ours.activity;
}

/** ISO 8601 duration of our sessions, and when to renew them (before the expiry, with margin for a slow tick). */
export const SESSION_EXPIRATION = 'PT15M';
export const SESSION_EXPIRATION_MS = 15 * 60_000;
export const SESSION_RENEW_BEFORE_MS = 5 * 60_000;
