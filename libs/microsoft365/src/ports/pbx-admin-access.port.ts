/**
 * Decides who may administer the integration. The module never reads the host's sessions itself: it hands the
 * host the incoming request and the PBX tenant it is about, and the host answers.
 */
export const PBX_ADMIN_ACCESS = Symbol('PBX_ADMIN_ACCESS');

export interface PbxAdminActor {
  id: string;
  displayName: string;
  isSystemAdmin: boolean;
}

export type PbxAdminAccessDecision =
  { allowed: true; actor: PbxAdminActor } | { allowed: false; reason: 'unauthenticated' | 'forbidden' };

export interface PbxAdminAccessPort {
  /** May the caller of this request administer this PBX tenant's Microsoft 365 integration? */
  canAdministerTenant(request: unknown, pbxTenantId: string): Promise<PbxAdminAccessDecision>;
  /** May the caller of this request change the system-level (all tenants) configuration? */
  canAdministerSystem(request: unknown): Promise<PbxAdminAccessDecision>;
}
