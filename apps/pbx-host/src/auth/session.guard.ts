import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type AuthenticatedRequest, canReachTenant } from './actor';
import { ROLES_KEY } from './roles.decorator';
import { bearerToken } from './session-token';
import { SessionsService } from './sessions.service';
import { type UserRole } from '../users/user-role';
import { isUUID } from 'class-validator';

/**
 * Authenticates `Authorization: Bearer <token>`, then authorises by role and tenant: on routes with a
 * `:tenantId`, tenant admins and users reach only their own tenant (403 otherwise).
 *
 * Applied per controller (see `@Authenticated()`), never globally: a global guard would also sit in front of the
 * Microsoft 365 module's controllers, which decide access through the admin-access port.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    private readonly sessions: SessionsService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request.headers.authorization);
    const actor = token ? await this.sessions.resolve(token) : null;
    if (!actor) {
      throw new UnauthorizedException('A valid session token is required (Authorization: Bearer <token>)');
    }
    request.actor = actor;

    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (roles && roles.length > 0 && !roles.includes(actor.role)) {
      throw new ForbiddenException('Your role may not do this');
    }
    // A malformed id is left to the validation pipe, which answers 400 naming the field.
    const tenantId = request.params?.tenantId;
    if (typeof tenantId === 'string' && isUUID(tenantId) && !canReachTenant(actor, tenantId)) {
      throw new ForbiddenException('This tenant is not yours');
    }
    return true;
  }
}
