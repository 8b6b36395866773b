import { EnsureEntityManagerContext } from '../common/ensure-context.decorator';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { type TenantEntity } from '../tenants/tenant.entity';
import { TenantsService } from '../tenants/tenants.service';
import { type PbxTenant, type PbxTenantsPort } from '@pbx/microsoft365';

function toPbxTenant(tenant: TenantEntity | null): PbxTenant | null {
  return (
    tenant && { id: tenant.id, name: tenant.name, sipDomain: tenant.sipDomain, timeZone: tenant.timeZone }
  );
}

@Injectable()
export class PbxTenantsAdapter implements PbxTenantsPort {
  constructor(
    // Read by @EnsureEntityManagerContext().
    readonly em: EntityManager,
    private readonly tenants: TenantsService,
  ) {}

  @EnsureEntityManagerContext()
  async findById(pbxTenantId: string): Promise<PbxTenant | null> {
    return toPbxTenant(await this.tenants.find(pbxTenantId));
  }

  @EnsureEntityManagerContext()
  async findBySipDomain(sipDomain: string): Promise<PbxTenant | null> {
    return toPbxTenant(await this.tenants.findBySipDomain(sipDomain));
  }
}
