import type { EmulatorClock } from '../core/emulator.clock';
import { PREFERRED_PRESENCE_PAIRS } from '../graph/presence/presence.routes';
import type { TenantState } from '../state/tenant.state';
import { type PresencePair, TEAMS_CLIENT_SESSION } from '../state/user-presence.store';
import { ControlError } from './control.error';

export interface UserPresenceInfo extends PresencePair {
  userId: string;
  /** Live sessions by id: the Teams client's and each application's (its client id). */
  sessions: Record<string, PresencePair & { expiresAt: string | null }>;
}

/**
 * Control operations for Teams presence (EmulatorControl delegates here): what a user does by hand in Teams. The
 * user is signed in to a Teams client (a session without expiry) and sets a preferred presence, which Microsoft
 * documents as overriding every application session (docs/graph-notes.md §13).
 */
export class PresenceControl {
  constructor(
    private readonly tenant: (idOrDomain: string) => TenantState,
    private readonly clock: EmulatorClock,
  ) {}

  /** The user sets their presence in Teams by hand (one of setUserPreferredPresence's pairs). */
  setUserPresence(input: {
    tenant: string;
    user: string;
    availability: string;
    activity: string;
  }): UserPresenceInfo {
    if (!PREFERRED_PRESENCE_PAIRS.includes(`${input.availability}/${input.activity}`)) {
      throw ControlError.invalid(
        `availability/activity must be one of ${PREFERRED_PRESENCE_PAIRS.join(', ')}`,
      );
    }
    const { tenant, userId } = this.user(input);
    tenant.presence.track(userId, this.clock.now(), () => {
      tenant.presence.setSession(userId, TEAMS_CLIENT_SESSION, {
        availability: 'Available',
        activity: 'Available',
        expiresAtMs: undefined,
      });
      tenant.presence.setPreferred(userId, {
        availability: input.availability,
        activity: input.activity,
        expiresAtMs: undefined,
      });
    });
    return this.getUserPresence(input);
  }

  /** The user goes back to automatic presence in Teams (the client stays signed in). */
  clearUserPresence(input: { tenant: string; user: string }): UserPresenceInfo {
    const { tenant, userId } = this.user(input);
    tenant.presence.track(userId, this.clock.now(), () => tenant.presence.clearPreferred(userId));
    return this.getUserPresence(input);
  }

  /** The user's aggregated presence and every live session, for assertions. */
  getUserPresence(input: { tenant: string; user: string }): UserPresenceInfo {
    const { tenant, userId } = this.user(input);
    const now = this.clock.now();
    const sessions: UserPresenceInfo['sessions'] = {};
    for (const [id, session] of tenant.presence.liveSessions(userId, now)) {
      sessions[id] = {
        availability: session.availability,
        activity: session.activity,
        expiresAt: session.expiresAtMs === undefined ? null : new Date(session.expiresAtMs).toISOString(),
      };
    }
    return { userId, ...tenant.presence.presence(userId, now), sessions };
  }

  private user(input: { tenant: string; user: string }): { tenant: TenantState; userId: string } {
    const tenant = this.tenant(input.tenant);
    const user = tenant.users.find(input.user ?? '');
    if (!user) throw ControlError.notFound(`User ${input.user}`);
    return { tenant, userId: user.id };
  }
}
