import { EnsureEntityManagerContext } from '../common/ensure-context.decorator';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { isPresenceStatus, PRESENCE_STATUSES } from '../presence/presence-status';
import { PresenceService } from '../presence/presence.service';
import { type PbxPresencePort, type PbxPresenceState } from '@pbx/microsoft365';
import { isUUID } from 'class-validator';

@Injectable()
export class PbxPresenceAdapter implements PbxPresencePort {
  constructor(
    // Read by @EnsureEntityManagerContext().
    readonly em: EntityManager,
    private readonly presence: PresenceService,
  ) {}

  listStatuses(_pbxTenantId: string): Promise<string[]> {
    return Promise.resolve([...PRESENCE_STATUSES]);
  }

  /** Users of other tenants and unknown ids are left out of the map. */
  @EnsureEntityManagerContext()
  async getStatuses(pbxTenantId: string, userIds: string[]): Promise<Map<string, PbxPresenceState>> {
    const ids = userIds.filter((id) => isUUID(id));
    if (!isUUID(pbxTenantId) || ids.length === 0) {
      return new Map();
    }
    const states = await this.presence.getMany(pbxTenantId, ids);
    return new Map(states.map(({ userId, status, changedAt }) => [userId, { status, changedAt }]));
  }

  @EnsureEntityManagerContext()
  async setStatus(pbxTenantId: string, userId: string, status: string): Promise<void> {
    if (!isPresenceStatus(status)) {
      throw new Error(`Unknown presence status "${status}"; the PBX offers ${PRESENCE_STATUSES.join(', ')}`);
    }
    if (!isUUID(pbxTenantId) || !isUUID(userId)) {
      throw new Error('Unknown PBX user');
    }
    await this.presence.set(pbxTenantId, userId, status);
  }
}
