import { SetMetadata } from '@nestjs/common';
import { type UserRole } from '../users/user-role';

export const ROLES_KEY = 'pbx:roles';

/** Restricts an endpoint to these session roles (none: any signed-in user). */
export const Roles = (...roles: UserRole[]) => SetMetadata(ROLES_KEY, roles);
