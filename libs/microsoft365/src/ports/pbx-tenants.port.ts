/** The host PBX's tenants, so that sign-in pages can name a tenant by SIP domain and schedules use its time zone. */
export const PBX_TENANTS = Symbol('PBX_TENANTS');

export interface PbxTenant {
  /**
   * The host's own id, opaque to the module (numeric ids as strings, slugs, UUIDs): 1–128 characters a URL path
   * segment carries without encoding. `system` is reserved for the system-level configuration.
   */
  id: string;
  name: string;
  sipDomain: string;
  /** IANA time zone, e.g. Europe/Berlin: scheduled syncs run at the tenant's local time. */
  timeZone: string;
}

export interface PbxTenantsPort {
  findById(pbxTenantId: string): Promise<PbxTenant | null>;
  findBySipDomain(sipDomain: string): Promise<PbxTenant | null>;
}
