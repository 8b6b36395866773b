import { Injectable } from '@nestjs/common';
import { type PbxCallState } from '@pbx/microsoft365';
import { PresenceStatus } from '../presence/presence-status';
import { PresenceService } from '../presence/presence.service';

/** A call state the PBX's call handling reports (do not disturb comes from the presence status). */
export type CallActivity = Extract<PbxCallState, 'on-call' | 'ringing' | 'idle'>;

/**
 * The reference PBX's call states. It has no telephony of its own, so calls are reported to it
 * (`POST /api/tenants/:tenantId/users/:userId/call-state`) and kept in memory: a call does not survive a restart of
 * the PBX either. A user without a call whose status is DND is in the `dnd` state.
 */
@Injectable()
export class CallStatesService {
  private readonly calls = new Map<string, Exclude<CallActivity, 'idle'>>();

  constructor(private readonly presence: PresenceService) {}

  /** Records the call activity; answers the user's call state afterwards. */
  async report(tenantId: string, userId: string, activity: CallActivity): Promise<PbxCallState> {
    const key = `${tenantId}/${userId}`;
    if (activity === 'idle') this.calls.delete(key);
    else this.calls.set(key, activity);
    return (await this.states(tenantId, [userId])).get(userId) ?? 'idle';
  }

  /** Users of the tenant among `userIds`, with their call state. */
  async states(tenantId: string, userIds: string[]): Promise<Map<string, PbxCallState>> {
    const presence = await this.presence.getMany(tenantId, userIds);
    return new Map(
      presence.map(({ userId, status }) => {
        const call = this.calls.get(`${tenantId}/${userId}`);
        return [userId, call ?? (status === PresenceStatus.DoNotDisturb ? 'dnd' : 'idle')] as const;
      }),
    );
  }
}
