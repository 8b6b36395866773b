import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  createParamDecorator,
} from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { invalidField } from '../common/invalid-input';
import { isPbxId } from '../common/pbx-id';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import {
  PBX_ADMIN_ACCESS,
  type PbxAdminAccessPort,
  type PbxAdminAccessDecision,
  type PbxAdminActor,
} from '../ports/pbx-admin-access.port';
import { PBX_TENANTS, type PbxTenantsPort } from '../ports/pbx-tenants.port';
import { SYSTEM_SCOPE } from '../settings/tenant-settings.entity';

/**
 * Lets a request through only if the host says its caller administers the PBX tenant in `:pbxTenantId` (or, for
 * the reserved id `system`, the whole PBX). Authentication comes first, so a tenant admin probing other tenant ids
 * learns nothing about which exist.
 */
@Injectable()
export class TenantAdminGuard implements CanActivate {
  constructor(
    @Inject(PBX_ADMIN_ACCESS) private readonly access: PbxAdminAccessPort,
    @Inject(PBX_TENANTS) private readonly tenants: PbxTenantsPort,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithActor>();
    const pbxTenantId = request.params?.['pbxTenantId'];
    if (typeof pbxTenantId !== 'string' || !isPbxId(pbxTenantId)) {
      throw invalidField('pbxTenantId', `pbxTenantId must be the id of a PBX tenant or "${SYSTEM_SCOPE}"`);
    }
    const system = pbxTenantId === SYSTEM_SCOPE;
    const decision = system
      ? await this.access.canAdministerSystem(request)
      : await this.access.canAdministerTenant(request, pbxTenantId);
    assertAllowed(decision);
    request[ACTOR_KEY] = decision.actor;
    if (!system && !(await this.tenants.findById(pbxTenantId))) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.NotFound,
        `PBX tenant ${pbxTenantId} does not exist`,
      );
    }
    return true;
  }
}

const ACTOR_KEY = 'microsoft365Actor';
/** The request as Express and Fastify both give it: route parameters, and room for the actor. */
type RequestWithActor = { params?: Record<string, string | undefined>; [ACTOR_KEY]?: PbxAdminActor };

/** The admin the guard let through, for audit fields such as "confirmed by". */
export const AdminActor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): PbxAdminActor | null =>
    context.switchToHttp().getRequest<RequestWithActor>()[ACTOR_KEY] ?? null,
);

function assertAllowed(
  decision: PbxAdminAccessDecision,
): asserts decision is Extract<PbxAdminAccessDecision, { allowed: true }> {
  if (decision.allowed) return;
  throw decision.reason === 'unauthenticated'
    ? new Microsoft365Exception(Microsoft365ErrorCode.Unauthenticated, 'Sign in to the PBX first')
    : new Microsoft365Exception(Microsoft365ErrorCode.Forbidden, 'You may not administer this tenant');
}
