import { Entity, PrimaryKey } from '@mikro-orm/core';

/**
 * The users of a PBX tenant's group scope (nested groups included) as the last member read found them. Kept so
 * that an incremental run whose groups delta reports no membership change in the scope can reuse them instead of
 * listing every group's transitive members again. Written only as a difference to the stored set.
 */
@Entity({ tableName: 'm365_user_sync_group_members' })
export class UserSyncGroupMemberEntity {
  @PrimaryKey({ type: 'text' })
  pbxTenantId!: string;

  @PrimaryKey({ type: 'text' })
  objectId!: string;
}
