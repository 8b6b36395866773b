import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Roles } from './roles.decorator';
import { SessionGuard } from './session.guard';
import { ErrorResponse } from '../common/error.response';
import { type UserRole } from '../users/user-role';

/** Requires a session (401 without), optionally one of `roles` (403 otherwise), and tenant scoping. */
export const Authenticated = (...roles: UserRole[]) =>
  applyDecorators(
    UseGuards(SessionGuard),
    Roles(...roles),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ type: ErrorResponse, description: 'No valid session' }),
    ApiForbiddenResponse({ type: ErrorResponse, description: 'Not allowed for this role or tenant' }),
  );
