/**
 * The PBX's call states, for Teams presence (PBX → Teams). **Optional**: a PBX without the notion of a user being on
 * a call does not provide it, and Teams presence then reports the PBX → Teams direction unavailable (Teams → PBX
 * needs only `PBX_PRESENCE`). A host that provides it also tells the module of every change by calling
 * `TeamsPresenceService.callStateChanged` (exported by the module).
 */
export const PBX_CALL_STATES = Symbol('PBX_CALL_STATES');

/**
 * - `on-call`: talking (an answered call, a conference, a held call);
 * - `ringing`: a call is offered and not answered yet;
 * - `idle`: no call;
 * - `dnd`: the user's extension refuses calls (do not disturb), with no call going on.
 */
export type PbxCallState = 'on-call' | 'ringing' | 'idle' | 'dnd';

export const PBX_CALL_STATE_VALUES: readonly PbxCallState[] = ['on-call', 'ringing', 'idle', 'dnd'];

export interface PbxCallStatesPort {
  /**
   * The call state of each of these users now; users of other tenants and unknown ids are left out. The module asks
   * before it keeps a Teams presence session alive, so that a lost `idle` report does not leave a user "In a call"
   * in Teams.
   */
  getCallStates(pbxTenantId: string, userIds: string[]): Promise<Map<string, PbxCallState>>;
}
