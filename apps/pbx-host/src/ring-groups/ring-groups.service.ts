import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { jsonArray } from '../common/sql-array';
import { type RingGroupResponse } from './dto/ring-group.response';

interface RingGroupRow {
  id: string;
  name: string;
  enabled: boolean;
  member_user_ids: string[] | null;
  member_extensions: string[] | null;
  external_source: string | null;
  external_id: string | null;
}

/**
 * Ring groups, in plain SQL through the request's (or the caller's transaction's) EntityManager, so that the
 * Microsoft 365 module's transaction covers these writes too.
 */
@Injectable()
export class RingGroupsService {
  constructor(private readonly em: EntityManager) {}

  /** The tenant's groups with their current members (users deleted since are left out), by name. */
  async list(tenantId: string): Promise<RingGroupResponse[]> {
    const rows = await this.em.execute<RingGroupRow[]>(
      `select g.id, g.name, g.enabled, g.external_source, g.external_id,
              array(select u.id::text from users u where u.tenant_id = g.tenant_id and u.id = any(g.member_user_ids)
                     order by u.id) as member_user_ids,
              array(select u.extension from users u where u.tenant_id = g.tenant_id and u.id = any(g.member_user_ids)
                     order by u.extension) as member_extensions
         from ring_groups g where g.tenant_id = ? order by g.name, g.id`,
      [tenantId],
    );
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      enabled: row.enabled,
      memberUserIds: row.member_user_ids ?? [],
      memberExtensions: row.member_extensions ?? [],
      externalSource: row.external_source,
      externalId: row.external_id,
    }));
  }

  /** Creates the group, or answers the one this source already made for `externalId` (a retried create). */
  async createExternal(
    tenantId: string,
    source: string,
    group: { externalId: string; name: string; memberUserIds: string[] },
  ): Promise<string> {
    const rows = await this.em.execute<{ id: string }[]>(
      `insert into ring_groups (id, tenant_id, name, member_user_ids, enabled, external_source, external_id,
                                created_at, updated_at)
       values (?, ?, ?, ${jsonArray('uuid')}, true, ?, ?, now(), now())
       on conflict (tenant_id, external_source, external_id) where external_id is not null
       do update set updated_at = excluded.updated_at
       returning id`,
      [randomUUID(), tenantId, group.name, JSON.stringify(group.memberUserIds), source, group.externalId],
    );
    const id = rows[0]?.id;
    if (!id) throw new Error('The ring group was not written');
    return id;
  }

  async update(
    tenantId: string,
    groupId: string,
    changes: { name?: string; memberUserIds?: string[]; enabled?: boolean },
  ): Promise<void> {
    const sets: [string, unknown][] = [];
    if (changes.name !== undefined) sets.push(['name = ?', changes.name]);
    if (changes.memberUserIds !== undefined)
      sets.push([`member_user_ids = ${jsonArray('uuid')}`, JSON.stringify(changes.memberUserIds)]);
    if (changes.enabled !== undefined) sets.push(['enabled = ?', changes.enabled]);
    if (sets.length === 0) return;
    await this.em.execute(
      `update ring_groups set ${sets.map(([sql]) => sql).join(', ')}, updated_at = now() where tenant_id = ? and id = ?`,
      [...sets.map(([, value]) => value), tenantId, groupId],
    );
  }

  async remove(tenantId: string, groupId: string): Promise<void> {
    await this.em.execute(`delete from ring_groups where tenant_id = ? and id = ?`, [tenantId, groupId]);
  }
}
