import { type PbxTenantsPort } from '../ports/pbx-tenants.port';
import { isTimeZone } from './schedule.validators';

/** When neither the admin nor the PBX tenant names a usable time zone. */
export const FALLBACK_TIME_ZONE = 'UTC';

/**
 * The time zone a schedule runs in: the one the admin set, else the PBX tenant's own (so "00:00" means midnight
 * where the tenant is, as the issue asks), else UTC. Read again on every reconcile, so a change of the tenant's
 * time zone in the host moves the schedule too.
 */
export async function effectiveTimeZone(
  tenants: PbxTenantsPort,
  pbxTenantId: string,
  configured: string | null,
): Promise<string> {
  if (configured) return configured;
  const tenant = await tenants.findById(pbxTenantId);
  return tenant && isTimeZone(tenant.timeZone) ? tenant.timeZone : FALLBACK_TIME_ZONE;
}
