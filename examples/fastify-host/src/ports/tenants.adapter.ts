import { Injectable } from '@nestjs/common';
import { type PbxTenant, type PbxTenantsPort } from '@pbx/microsoft365';
import { HostDatabase, isNumericId } from '../database/host-database';

interface TenantRow {
  id: string;
  name: string;
  sip_domain: string;
  time_zone: string;
}

const toTenant = (row: TenantRow): PbxTenant => ({
  id: String(row.id),
  name: row.name,
  sipDomain: row.sip_domain,
  timeZone: row.time_zone,
});

@Injectable()
export class TenantsAdapter implements PbxTenantsPort {
  constructor(private readonly db: HostDatabase) {}

  async findById(pbxTenantId: string): Promise<PbxTenant | null> {
    if (!isNumericId(pbxTenantId)) return null;
    const [row] = await this.db.query<TenantRow>('select * from pbx_tenants where id = ?', [pbxTenantId]);
    return row ? toTenant(row) : null;
  }

  async findBySipDomain(sipDomain: string): Promise<PbxTenant | null> {
    const [row] = await this.db.query<TenantRow>('select * from pbx_tenants where sip_domain = ?', [
      sipDomain,
    ]);
    return row ? toTenant(row) : null;
  }
}
