import { EnsureEntityManagerContext } from '../common/ensure-context.decorator';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { type Actor, canAdministerTenant } from '../auth/actor';
import { bearerToken } from '../auth/session-token';
import { SessionsService } from '../auth/sessions.service';
import { UserRole } from '../users/user-role';
import { type PbxAdminAccessDecision, type PbxAdminAccessPort } from '@pbx/microsoft365';

/** The Authorization header of whatever request object the module hands over (Express, or anything alike). */
function authorizationOf(request: unknown): string | string[] | undefined {
  if (typeof request !== 'object' || request === null || !('headers' in request)) {
    return undefined;
  }
  const headers = request.headers;
  if (typeof headers !== 'object' || headers === null || !('authorization' in headers)) {
    return undefined;
  }
  const value = headers.authorization;
  return typeof value === 'string' || Array.isArray(value) ? (value as string | string[]) : undefined;
}

/** System admins administer every tenant and the system settings; tenant admins only their own tenant. */
@Injectable()
export class PbxAdminAccessAdapter implements PbxAdminAccessPort {
  constructor(
    // Read by @EnsureEntityManagerContext().
    readonly em: EntityManager,
    private readonly sessions: SessionsService,
  ) {}

  private async actorOf(request: unknown): Promise<Actor | null> {
    const token = bearerToken(authorizationOf(request));
    return token ? this.sessions.resolve(token) : null;
  }

  private static allow(actor: Actor): PbxAdminAccessDecision {
    return {
      allowed: true,
      actor: {
        id: actor.userId,
        displayName: actor.displayName,
        isSystemAdmin: actor.role === UserRole.SystemAdmin,
      },
    };
  }

  @EnsureEntityManagerContext()
  async canAdministerTenant(request: unknown, pbxTenantId: string): Promise<PbxAdminAccessDecision> {
    const actor = await this.actorOf(request);
    if (!actor) {
      return { allowed: false, reason: 'unauthenticated' };
    }
    return canAdministerTenant(actor, pbxTenantId)
      ? PbxAdminAccessAdapter.allow(actor)
      : { allowed: false, reason: 'forbidden' };
  }

  @EnsureEntityManagerContext()
  async canAdministerSystem(request: unknown): Promise<PbxAdminAccessDecision> {
    const actor = await this.actorOf(request);
    if (!actor) {
      return { allowed: false, reason: 'unauthenticated' };
    }
    return actor.role === UserRole.SystemAdmin
      ? PbxAdminAccessAdapter.allow(actor)
      : { allowed: false, reason: 'forbidden' };
  }
}
