import type { ResourceChangeBus } from './resource-change.bus';

/**
 * Teams presence per user (docs/graph-notes.md §13), as Microsoft documents its aggregation
 * (https://learn.microsoft.com/en-us/graph/api/presence-setpresence, "Presence sessions"):
 * - each Teams client and each application has its own session; the user's presence aggregates them;
 * - a user-configured (preferred) presence overrides every session, but only while at least one session exists
 *   (https://learn.microsoft.com/en-us/graph/api/presence-setuserpreferredpresence);
 * - among application sessions: DoNotDisturb > Busy > Available > Away;
 * - a session expires after its expirationDuration (then it is gone); no session at all shows Offline/Offline
 *   (https://learn.microsoft.com/en-us/graph/api/presence-clearpresence).
 * Simplifications (documented): the 5-minute timeout fade of an Available session (Available → AvailableInactive
 * → Away) is not emulated, and a Teams client session ranks with application sessions.
 */
export interface PresencePair {
  readonly availability: string;
  readonly activity: string;
}

export interface PresenceSession extends PresencePair {
  /** Epoch ms; undefined: never (a Teams client signed in). */
  readonly expiresAtMs: number | undefined;
}

/** The session id of a Teams client the control API signs a user in to. */
export const TEAMS_CLIENT_SESSION = 'teams-client';

const RANK = ['DoNotDisturb', 'Busy', 'Available', 'Away'];

export class UserPresenceStore {
  private readonly sessions = new Map<string, Map<string, PresenceSession>>();
  private readonly preferred = new Map<string, PresenceSession>();

  /** @param changes where a change of a user's aggregated presence is announced (presence subscriptions). */
  constructor(private readonly changes?: ResourceChangeBus) {}

  /**
   * Runs a change of the user's sessions or preferred presence and announces an `updated` presence change when
   * the aggregated presence differs afterwards ("Change notifications for presence events are triggered when
   * changes to a user's availability and activity are made",
   * https://learn.microsoft.com/en-us/graph/changenotifications-for-presence). A session that merely expires
   * announces nothing (a documented simplification of the emulator, docs/graph-notes.md §14).
   */
  track<T>(userId: string, nowMs: number, mutate: () => T): T {
    const before = this.presence(userId, nowMs);
    const result = mutate();
    const after = this.presence(userId, nowMs);
    if (before.availability !== after.availability || before.activity !== after.activity) {
      this.changes?.emit({ kind: 'presence', changeType: 'updated', id: userId });
    }
    return result;
  }

  setSession(userId: string, sessionId: string, session: PresenceSession): void {
    const sessions = this.sessions.get(userId) ?? new Map<string, PresenceSession>();
    sessions.set(sessionId.toLowerCase(), session);
    this.sessions.set(userId, sessions);
  }

  /** false when the user has no such (live) session. */
  clearSession(userId: string, sessionId: string, nowMs: number): boolean {
    const live = this.liveSessions(userId, nowMs);
    if (!live.has(sessionId.toLowerCase())) return false;
    this.sessions.get(userId)?.delete(sessionId.toLowerCase());
    return true;
  }

  setPreferred(userId: string, presence: PresenceSession): void {
    this.preferred.set(userId, presence);
  }

  clearPreferred(userId: string): void {
    this.preferred.delete(userId);
  }

  /** Live sessions by id (expired ones are dropped). */
  liveSessions(userId: string, nowMs: number): Map<string, PresenceSession> {
    const sessions = this.sessions.get(userId) ?? new Map<string, PresenceSession>();
    for (const [id, session] of sessions) {
      if (session.expiresAtMs !== undefined && session.expiresAtMs <= nowMs) sessions.delete(id);
    }
    return sessions;
  }

  /** The user's aggregated presence now. */
  presence(userId: string, nowMs: number): PresencePair {
    const sessions = [...this.liveSessions(userId, nowMs).values()];
    if (sessions.length === 0) return { availability: 'Offline', activity: 'Offline' };
    const preferred = this.preferred.get(userId);
    if (preferred && (preferred.expiresAtMs === undefined || preferred.expiresAtMs > nowMs)) {
      return { availability: preferred.availability, activity: preferred.activity };
    }
    const rank = (session: PresencePair) => {
      const index = RANK.indexOf(session.availability);
      return index < 0 ? RANK.length : index;
    };
    const [strongest] = sessions.sort((a, b) => rank(a) - rank(b));
    return { availability: strongest?.availability ?? 'Offline', activity: strongest?.activity ?? 'Offline' };
  }
}
