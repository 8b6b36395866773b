import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { type SyncKind } from '../runs/sync-run-status';
import { ProvisioningLogEntryEntity } from './provisioning-log-entry.entity';
import { type ProvisioningLogQueryDto } from './provisioning-log.dto';

/** Answers "what happened to this user (or mailbox)", always within one PBX tenant. */
@Injectable()
export class ProvisioningLogService {
  constructor(private readonly em: EntityManager) {}

  async list(
    pbxTenantId: string,
    kind: SyncKind,
    query: ProvisioningLogQueryDto,
  ): Promise<ProvisioningLogEntryEntity[]> {
    const qb = this.em
      .fork()
      .createQueryBuilder(ProvisioningLogEntryEntity)
      .where({
        pbxTenantId,
        kind,
        ...(query.runId ? { runId: query.runId } : {}),
        ...(query.objectId ? { objectId: query.objectId } : {}),
        ...(query.pbxUserId ? { pbxUserId: query.pbxUserId } : {}),
        ...(query.action ? { action: query.action } : {}),
      });
    // UPNs compare case-insensitively in Entra; the index is on lower(user_principal_name).
    if (query.upn) qb.andWhere('lower(user_principal_name) = ?', [query.upn.toLowerCase()]);
    return qb
      .orderBy({ createdAt: 'desc', id: 'asc' })
      .limit(query.limit ?? 50)
      .offset(query.offset ?? 0)
      .getResultList();
  }
}
