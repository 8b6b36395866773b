/** Calendar states that can change an extension's status (Graph's freeBusyStatus / event showAs). */
export type CalendarState = 'oof' | 'busy' | 'tentative' | 'workingElsewhere';

/** When events overlap, the strongest state wins: away beats a meeting, a meeting beats a tentative one. */
export const CALENDAR_STATES: readonly CalendarState[] = ['oof', 'busy', 'tentative', 'workingElsewhere'];

export type StatusMapping = Partial<Record<CalendarState, string>>;

export interface ScheduleItem {
  status: string;
  start: Date;
  end: Date;
}

/** The host status the calendar asks for at `at`, or null when no mapped event is going on. */
export function desiredStatus(
  items: readonly ScheduleItem[],
  at: Date,
  mapping: StatusMapping,
): string | null {
  const time = at.getTime();
  const active = new Set(
    items.filter((item) => item.start.getTime() <= time && time < item.end.getTime()).map((i) => i.status),
  );
  for (const state of CALENDAR_STATES) {
    const status = mapping[state];
    if (status !== undefined && active.has(state)) return status;
  }
  return null;
}

/**
 * What we remember per user between polls (persisted, so a restart keeps the restore):
 * - `desired`: the status the calendar asked for when we last acted;
 * - `applied`: the status we set, or null when the user changed it by hand meanwhile (we then leave it alone);
 * - `restore`: the status to put back when the calendar is free again.
 */
export interface PresenceMemory {
  desired: string;
  applied: string | null;
  restore: string | null;
}

export interface PresenceDecision {
  /** The status to set now, if any. */
  set: string | null;
  /** What to remember; null forgets the user (nothing going on). */
  memory: PresenceMemory | null;
  reason:
    | 'idle'
    | 'event-started'
    | 'event-changed'
    | 'unchanged'
    | 'manual-change'
    | 'left-alone'
    | 'event-ended'
    | 'event-ended-after-manual-change';
}

/**
 * One step of the calendar presence of one user. A user changed the status by hand when the current status is
 * not the one we set: from then on we neither overwrite it nor restore over it, until the calendar is free (or
 * asks for something else: a new event, a new decision).
 */
export function decidePresence(
  memory: PresenceMemory | null,
  current: string,
  desired: string | null,
): PresenceDecision {
  if (desired === null) {
    if (memory === null) return { set: null, memory: null, reason: 'idle' };
    if (memory.applied === null || memory.applied !== current) {
      return { set: null, memory: null, reason: 'event-ended-after-manual-change' };
    }
    return {
      set: memory.restore !== null && memory.restore !== current ? memory.restore : null,
      memory: null,
      reason: 'event-ended',
    };
  }
  if (memory === null) {
    return {
      set: current === desired ? null : desired,
      memory: { desired, applied: desired, restore: current },
      reason: 'event-started',
    };
  }
  if (memory.applied === null) {
    if (memory.desired === desired) return { set: null, memory, reason: 'left-alone' };
    // The calendar moved on to another state (a new event): the user's manual status is what to restore then.
    return {
      set: current === desired ? null : desired,
      memory: { desired, applied: desired, restore: current },
      reason: 'event-started',
    };
  }
  if (memory.applied !== current) {
    return {
      set: null,
      memory: { desired: memory.desired, applied: null, restore: null },
      reason: 'manual-change',
    };
  }
  if (memory.desired !== desired || memory.applied !== desired) {
    // Overlapping events: the stronger one took over (or ended); the status from before all of them stays the restore.
    return {
      set: current === desired ? null : desired,
      memory: { desired, applied: desired, restore: memory.restore },
      reason: 'event-changed',
    };
  }
  return { set: null, memory, reason: 'unchanged' };
}
