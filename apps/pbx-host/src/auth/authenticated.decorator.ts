import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Roles } from '@pbx/host/auth/roles.decorator';
import { SessionGuard } from '@pbx/host/auth/session.guard';
import { ErrorResponse } from '@pbx/host/common/error.response';
import { type UserRole } from '@pbx/host/users/user-role';

/** Requires a session (401 without), optionally one of `roles` (403 otherwise), and tenant scoping. */
export const Authenticated = (...roles: UserRole[]) =>
  applyDecorators(
    UseGuards(SessionGuard),
    Roles(...roles),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ type: ErrorResponse, description: 'No valid session' }),
    ApiForbiddenResponse({ type: ErrorResponse, description: 'Not allowed for this role or tenant' }),
  );
