import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { chunk, diffMembers } from './group-scope.planner';

/**
 * Ids per statement. They travel as one JSON parameter (Postgres allows 65,535 parameters per statement, a
 * 100,000-member scope would not fit as one parameter per id), so a statement stays around 400 kB.
 */
const IDS_PER_STATEMENT = 10_000;

/** The stored members of a PBX tenant's group scope (`m365_user_sync_group_members`). */
@Injectable()
export class UserSyncGroupMembersStore {
  constructor(private readonly em: EntityManager) {}

  async load(pbxTenantId: string): Promise<Set<string>> {
    const rows = await this.em
      .fork()
      .execute<{ object_id: string }[]>(
        `select object_id from m365_user_sync_group_members where pbx_tenant_id = ?`,
        [pbxTenantId],
      );
    return new Set(rows.map((row) => row.object_id));
  }

  /**
   * Makes the stored members `next`, inside the caller's transaction (the one that writes the delta links).
   * Only the difference is written, a few multi-row statements at most; nothing when the members did not change.
   */
  async replace(
    em: EntityManager,
    pbxTenantId: string,
    stored: ReadonlySet<string>,
    next: ReadonlySet<string>,
  ): Promise<void> {
    const { added, removed } = diffMembers(stored, next);
    for (const ids of chunk(removed, IDS_PER_STATEMENT)) {
      await em.execute(
        `delete from m365_user_sync_group_members
          where pbx_tenant_id = ? and object_id in (select jsonb_array_elements_text(?::jsonb))`,
        [pbxTenantId, JSON.stringify(ids)],
      );
    }
    for (const ids of chunk(added, IDS_PER_STATEMENT)) {
      // A concurrent writer is ruled out by the run lock; the conflict clause only makes a replay harmless.
      await em.execute(
        `insert into m365_user_sync_group_members (pbx_tenant_id, object_id)
         select ?, jsonb_array_elements_text(?::jsonb)
         on conflict do nothing`,
        [pbxTenantId, JSON.stringify(ids)],
      );
    }
  }

  /** Forgets the members, when the scope no longer filters by group. */
  async clear(em: EntityManager, pbxTenantId: string): Promise<void> {
    await em.execute(`delete from m365_user_sync_group_members where pbx_tenant_id = ?`, [pbxTenantId]);
  }
}
