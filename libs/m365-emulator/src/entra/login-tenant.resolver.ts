import { AadstsError } from './aadsts.error';
import type { AppRegistration } from '../state/app-registration';
import type { TenantRegistry } from '../state/tenant.registry';
import type { TenantState } from '../state/tenant.state';

export const MULTI_TENANT_SEGMENTS: readonly string[] = ['common', 'organizations'];

export function isMultiTenantSegment(segment: string): boolean {
  return MULTI_TENANT_SEGMENTS.includes(segment.toLowerCase());
}

/** Discovery answers `invalid_tenant`, the token endpoint `invalid_request` (both AADSTS90002). */
export function tenantNotFound(
  segment: string,
  error: 'invalid_request' | 'invalid_tenant' = 'invalid_request',
): AadstsError {
  return new AadstsError(
    error,
    90002,
    `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  );
}

export function appNotFound(clientId: string, tenantName: string): AadstsError {
  return new AadstsError(
    'unauthorized_client',
    700016,
    `Application with identifier '${clientId}' was not found in the directory '${tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  );
}

export function resolveTenantOrThrow(
  tenants: TenantRegistry,
  segment: string,
  error: 'invalid_request' | 'invalid_tenant' = 'invalid_request',
): TenantState {
  const tenant = tenants.resolve(segment);
  if (!tenant) throw tenantNotFound(segment, error);
  return tenant;
}

/** For /common and /organizations the app is looked up in every tenant (a multi-tenant app's home). */
export function findApp(
  tenants: TenantRegistry,
  segment: string,
  clientId: string,
): { tenant: TenantState; app: AppRegistration } | undefined {
  const candidates = isMultiTenantSegment(segment) ? tenants.all() : [resolveTenantOrThrow(tenants, segment)];
  for (const tenant of candidates) {
    const app = tenant.findApp(clientId);
    if (app) return { tenant, app };
  }
  return undefined;
}
