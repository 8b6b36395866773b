import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { type PbxCallState, type PbxCallStatesPort } from '@pbx/microsoft365';
import { isUUID } from 'class-validator';
import { CallStatesService } from '../calls/call-states.service';
import { EnsureEntityManagerContext } from '../common/ensure-context.decorator';

/** The optional call states port: this PBX has calls, so Teams presence can show them. */
@Injectable()
export class PbxCallStatesAdapter implements PbxCallStatesPort {
  constructor(
    // Read by @EnsureEntityManagerContext().
    readonly em: EntityManager,
    private readonly calls: CallStatesService,
  ) {}

  /** Users of other tenants and unknown ids are left out of the map. */
  @EnsureEntityManagerContext()
  async getCallStates(pbxTenantId: string, userIds: string[]): Promise<Map<string, PbxCallState>> {
    const ids = userIds.filter((id) => isUUID(id));
    if (!isUUID(pbxTenantId) || ids.length === 0) return new Map();
    return this.calls.states(pbxTenantId, ids);
  }
}
