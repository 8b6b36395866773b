import { Injectable } from '@nestjs/common';
import { type PbxAdminAccessDecision, type PbxAdminAccessPort } from '@pbx/microsoft365';
import { type HostSession, SessionsAdapter } from './sessions.adapter';

/** The bearer token of whatever request object the module hands over (Fastify's here; Express's look the same). */
export function bearerToken(request: unknown): string | undefined {
  const header = (request as { headers?: Record<string, unknown> }).headers?.['authorization'];
  return typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
}

/** System admins administer every tenant and the system scope; tenant admins their own tenant only. */
@Injectable()
export class AdminAccessAdapter implements PbxAdminAccessPort {
  constructor(private readonly sessions: SessionsAdapter) {}

  async canAdministerTenant(request: unknown, pbxTenantId: string): Promise<PbxAdminAccessDecision> {
    return this.decide(
      request,
      (s) => s.role === 'system-admin' || (s.role === 'tenant-admin' && s.tenantId === pbxTenantId),
    );
  }

  async canAdministerSystem(request: unknown): Promise<PbxAdminAccessDecision> {
    return this.decide(request, (s) => s.role === 'system-admin');
  }

  private async decide(
    request: unknown,
    allowed: (session: HostSession) => boolean,
  ): Promise<PbxAdminAccessDecision> {
    const session = await this.sessions.resolve(bearerToken(request));
    if (!session) return { allowed: false, reason: 'unauthenticated' };
    if (!allowed(session)) return { allowed: false, reason: 'forbidden' };
    return {
      allowed: true,
      actor: {
        id: session.userId,
        displayName: `user ${session.userId}`,
        isSystemAdmin: session.role === 'system-admin',
      },
    };
  }
}
