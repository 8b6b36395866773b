import { invalidField } from './invalid-input';
import { SYSTEM_SCOPE } from '../settings/tenant-settings.entity';

/**
 * Features that sync a PBX tenant's data (users, contacts, presence, notifications) have no meaning in the system
 * scope, which only holds the system administrators' own sign-in.
 */
export function requirePbxTenant(pbxTenantId: string, feature: string): string {
  if (pbxTenantId === SYSTEM_SCOPE) {
    throw invalidField('pbxTenantId', `${feature} belongs to a PBX tenant, not to the system scope`);
  }
  return pbxTenantId;
}
