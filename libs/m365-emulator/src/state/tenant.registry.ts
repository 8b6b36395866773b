import type { TenantState } from './tenant.state';

export class TenantRegistry {
  private readonly byId = new Map<string, TenantState>();
  private readonly byDomain = new Map<string, TenantState>();

  add(tenant: TenantState): void {
    if (this.byId.has(tenant.id)) throw new Error(`Tenant ${tenant.id} already exists`);
    if (this.byDomain.has(tenant.domain.toLowerCase()))
      throw new Error(`Domain ${tenant.domain} is already verified`);
    this.byId.set(tenant.id, tenant);
    this.byDomain.set(tenant.domain.toLowerCase(), tenant);
  }

  /** `{tenant}` in login paths may be the directory id or a verified domain. */
  resolve(idOrDomain: string): TenantState | undefined {
    const key = idOrDomain.toLowerCase();
    return this.byId.get(key) ?? this.byDomain.get(key);
  }

  all(): TenantState[] {
    return [...this.byId.values()];
  }
}
