import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  createParamDecorator,
} from '@nestjs/common';
import { Microsoft365ErrorCode } from '@pbx/microsoft365/common/microsoft365-error-code';
import { Microsoft365Exception } from '@pbx/microsoft365/common/microsoft365.exception';
import {
  PBX_ADMIN_ACCESS,
  type PbxAdminAccessPort,
  type PbxAdminAccessDecision,
  type PbxAdminActor,
} from '@pbx/microsoft365/ports/pbx-admin-access.port';
import { PBX_TENANTS, type PbxTenantsPort } from '@pbx/microsoft365/ports/pbx-tenants.port';
import { SYSTEM_SCOPE } from '@pbx/microsoft365/settings/tenant-settings.entity';
import { type Request } from 'express';
import { BadRequestException } from '@nestjs/common';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
    const request = context.switchToHttp().getRequest<Request>();
    const pbxTenantId = request.params['pbxTenantId'];
    if (typeof pbxTenantId !== 'string' || (pbxTenantId !== SYSTEM_SCOPE && !UUID.test(pbxTenantId))) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: 'Validation failed',
        errors: [{ field: 'pbxTenantId', reasons: [`pbxTenantId must be a UUID or "${SYSTEM_SCOPE}"`] }],
      });
    }
    const system = pbxTenantId === SYSTEM_SCOPE;
    const decision = system
      ? await this.access.canAdministerSystem(request)
      : await this.access.canAdministerTenant(request, pbxTenantId);
    assertAllowed(decision);
    (request as RequestWithActor)[ACTOR_KEY] = decision.actor;
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
type RequestWithActor = Request & { [ACTOR_KEY]?: PbxAdminActor };

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
