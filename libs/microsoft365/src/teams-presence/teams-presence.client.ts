import { Injectable } from '@nestjs/common';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { GraphApi, type GraphTarget } from '../graph/graph-api.service';
import { IDEMPOTENT_HEADER } from '../graph/resilience.middleware';
import { SESSION_EXPIRATION, type TeamsPresencePair } from './teams-presence-mapping';

/** getPresencesByUserId takes at most 650 ids per call (docs/graph-notes.md §13). */
export const PRESENCES_PER_CALL = 650;

/**
 * The three presence calls of Microsoft Graph. Each is safe to repeat (setting the same state, clearing a session,
 * reading), so each may be retried after a 5xx or a timeout. Docs:
 * https://learn.microsoft.com/en-us/graph/api/presence-setpresence,
 * https://learn.microsoft.com/en-us/graph/api/presence-clearpresence,
 * https://learn.microsoft.com/en-us/graph/api/cloudcommunications-getpresencesbyuserid.
 */
@Injectable()
export class TeamsPresenceClient {
  constructor(private readonly graph: GraphApi) {}

  /** Sets (or renews) our application's session: `sessionId` must be the app's own client id. */
  async setPresence(
    target: GraphTarget,
    objectId: string,
    sessionId: string,
    pair: TeamsPresencePair,
  ): Promise<void> {
    await this.graph.post(
      target,
      `/users/${encodeURIComponent(objectId)}/presence/setPresence`,
      { sessionId, ...pair, expirationDuration: SESSION_EXPIRATION },
      { [IDEMPOTENT_HEADER]: 'true' },
    );
  }

  /** Clears our session; a session Graph no longer has (expired, cleared) is the documented 404, i.e. done. */
  async clearPresence(target: GraphTarget, objectId: string, sessionId: string): Promise<void> {
    try {
      await this.graph.post(
        target,
        `/users/${encodeURIComponent(objectId)}/presence/clearPresence`,
        { sessionId },
        { [IDEMPOTENT_HEADER]: 'true' },
      );
    } catch (error) {
      // expected: "If the presence session doesn't exist, this method returns a 404 NotFound" (presence-clearpresence).
      if (error instanceof Microsoft365Exception && error.microsoft?.status === 404) return;
      throw error;
    }
  }

  /** Presence of these users, by object id (lower-cased), 650 per call; an id Graph leaves out is unknown. */
  async read(target: GraphTarget, objectIds: string[]): Promise<Map<string, TeamsPresencePair>> {
    const readings = new Map<string, TeamsPresencePair>();
    for (let start = 0; start < objectIds.length; start += PRESENCES_PER_CALL) {
      const ids = objectIds.slice(start, start + PRESENCES_PER_CALL);
      const answer = await this.graph.post<{
        value: { id: string; availability: string; activity: string }[];
      }>(target, '/communications/getPresencesByUserId', { ids }, { [IDEMPOTENT_HEADER]: 'true' });
      for (const presence of answer.value) {
        readings.set(presence.id.toLowerCase(), {
          availability: presence.availability,
          activity: presence.activity,
        });
      }
    }
    return readings;
  }
}
