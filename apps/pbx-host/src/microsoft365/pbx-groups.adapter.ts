import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { type PbxGroupDraft, type PbxGroupsPort } from '@pbx/microsoft365';
import { isUUID } from 'class-validator';
import { EnsureEntityManagerContext } from '../common/ensure-context.decorator';
import { RingGroupsService } from '../ring-groups/ring-groups.service';
import { MICROSOFT365_SOURCE } from './pbx-contacts.adapter';

/** The module's group sync writes ring groups marked as its own; ring groups made by hand are never reached. */
@Injectable()
export class PbxGroupsAdapter implements PbxGroupsPort {
  constructor(
    // Read by @EnsureEntityManagerContext().
    readonly em: EntityManager,
    private readonly groups: RingGroupsService,
  ) {}

  @EnsureEntityManagerContext()
  async createGroup(pbxTenantId: string, group: PbxGroupDraft): Promise<{ id: string }> {
    if (!isUUID(pbxTenantId)) throw new Error('Unknown PBX tenant');
    const id = await this.groups.createExternal(pbxTenantId, MICROSOFT365_SOURCE, {
      externalId: group.externalId,
      name: group.name,
      memberUserIds: group.memberUserIds.filter((userId) => isUUID(userId)),
    });
    return { id };
  }

  @EnsureEntityManagerContext()
  async renameGroup(pbxTenantId: string, groupId: string, name: string): Promise<void> {
    if (ids(pbxTenantId, groupId)) await this.groups.update(pbxTenantId, groupId, { name });
  }

  @EnsureEntityManagerContext()
  async setMembers(pbxTenantId: string, groupId: string, memberUserIds: string[]): Promise<void> {
    if (ids(pbxTenantId, groupId)) {
      await this.groups.update(pbxTenantId, groupId, {
        memberUserIds: memberUserIds.filter((userId) => isUUID(userId)),
      });
    }
  }

  @EnsureEntityManagerContext()
  async setEnabled(pbxTenantId: string, groupId: string, enabled: boolean): Promise<void> {
    if (ids(pbxTenantId, groupId)) await this.groups.update(pbxTenantId, groupId, { enabled });
  }

  @EnsureEntityManagerContext()
  async deleteGroup(pbxTenantId: string, groupId: string): Promise<void> {
    if (ids(pbxTenantId, groupId)) await this.groups.remove(pbxTenantId, groupId);
  }
}

/** The host's ids are UUIDs: anything else names no group of ours (and must not reach the SQL as a uuid). */
function ids(pbxTenantId: string, groupId: string): boolean {
  return isUUID(pbxTenantId) && isUUID(groupId);
}
