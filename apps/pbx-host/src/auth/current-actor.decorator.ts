import { createParamDecorator, type ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { type Actor, type AuthenticatedRequest } from './actor';

/** The caller resolved by SessionGuard; only on guarded endpoints. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) {
    // A programming error (endpoint without the guard), but never let it pass as anonymous access.
    throw new UnauthorizedException();
  }
  return actor;
});
