export enum UserRole {
  /** Administers the whole PBX; belongs to no tenant. */
  SystemAdmin = 'system-admin',
  /** Administers one tenant. */
  TenantAdmin = 'tenant-admin',
  User = 'user',
}

/** Roles a user inside a tenant may have. */
export const TENANT_ROLES = [UserRole.TenantAdmin, UserRole.User] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];
