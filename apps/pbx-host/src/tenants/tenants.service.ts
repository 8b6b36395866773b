import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, NotFoundException } from '@nestjs/common';
import { type Page } from '../common/page.response';
import { type CreateTenantDto } from './dto/create-tenant.dto';
import { type UpdateTenantDto } from './dto/update-tenant.dto';
import { TenantEntity } from './tenant.entity';
import { isUUID } from 'class-validator';

@Injectable()
export class TenantsService {
  constructor(private readonly em: EntityManager) {}

  async create(input: CreateTenantDto): Promise<TenantEntity> {
    const tenant = this.em.create(TenantEntity, input);
    await this.em.flush();
    return tenant;
  }

  async list(page: { limit: number; offset: number }): Promise<Page<TenantEntity>> {
    const [items, total] = await this.em.findAndCount(
      TenantEntity,
      {},
      { orderBy: { name: 'asc', id: 'asc' }, limit: page.limit, offset: page.offset },
    );
    return { items, total, ...page };
  }

  /** The tenant, or 404. */
  async get(tenantId: string): Promise<TenantEntity> {
    const tenant = await this.find(tenantId);
    if (!tenant) {
      throw new NotFoundException('No such tenant');
    }
    return tenant;
  }

  /** The tenant or null; null also for ids that are not UUIDs (callers may pass anything). */
  async find(tenantId: string): Promise<TenantEntity | null> {
    return isUUID(tenantId) ? this.em.findOne(TenantEntity, { id: tenantId }) : null;
  }

  async findBySipDomain(sipDomain: string): Promise<TenantEntity | null> {
    return this.em.findOne(TenantEntity, { sipDomain: sipDomain.trim().toLowerCase() });
  }

  async update(tenantId: string, input: UpdateTenantDto): Promise<TenantEntity> {
    const tenant = await this.get(tenantId);
    this.em.assign(tenant, input);
    await this.em.flush();
    return tenant;
  }

  /** Deletes the tenant with its users, contacts, presence and sessions (foreign keys cascade). */
  async delete(tenantId: string): Promise<void> {
    const deleted = await this.em.nativeDelete(TenantEntity, { id: tenantId });
    if (deleted === 0) {
      throw new NotFoundException('No such tenant');
    }
  }
}
