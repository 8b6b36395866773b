import { UserRole } from '../users/user-role';
import { type Request } from 'express';

/** Who is calling: the user behind a valid session, as the guard resolved it. */
export interface Actor {
  sessionId: string;
  userId: string;
  username: string;
  displayName: string;
  /** The role granted to the session. */
  role: UserRole;
  /** null for system admins. */
  tenantId: string | null;
}

export interface AuthenticatedRequest extends Request {
  actor?: Actor;
}

/** System admins reach every tenant; everyone else only their own. */
export function canReachTenant(actor: Actor, tenantId: string): boolean {
  return actor.role === UserRole.SystemAdmin || actor.tenantId === tenantId;
}

/** May administer the tenant: system admins, and the tenant's own admins. */
export function canAdministerTenant(actor: Actor, tenantId: string): boolean {
  return (
    actor.role === UserRole.SystemAdmin ||
    (actor.role === UserRole.TenantAdmin && actor.tenantId === tenantId)
  );
}

/** A user's own data (personal contacts, presence) is theirs and their tenant's admins'. */
export function canActForUser(actor: Actor, tenantId: string, userId: string): boolean {
  return canAdministerTenant(actor, tenantId) || (actor.tenantId === tenantId && actor.userId === userId);
}
