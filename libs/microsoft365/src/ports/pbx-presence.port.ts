/** The host PBX's extension presence (the status colleagues see and that routes calls). */
export const PBX_PRESENCE = Symbol('PBX_PRESENCE');

export interface PbxPresenceState {
  /** One of the host's status names, see {@link PbxPresencePort.listStatuses}. */
  status: string;
  changedAt: Date;
}

export interface PbxPresencePort {
  /** The status names the host offers, so that admins can map calendar states to them and typos are refused. */
  listStatuses(pbxTenantId: string): Promise<string[]>;
  getStatuses(pbxTenantId: string, userIds: string[]): Promise<Map<string, PbxPresenceState>>;
  setStatus(pbxTenantId: string, userId: string, status: string): Promise<void>;
}
