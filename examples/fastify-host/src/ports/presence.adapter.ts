import { Injectable } from '@nestjs/common';
import { type PbxPresencePort, type PbxPresenceState } from '@pbx/microsoft365';
import { HostDatabase, isNumericId, json } from '../database/host-database';

/** The statuses this PBX offers; calendar presence maps busy, out of office and tentative onto them. */
export const STATUSES = ['available', 'busy', 'away', 'do-not-disturb', 'out-of-office'];

@Injectable()
export class PresenceAdapter implements PbxPresencePort {
  constructor(private readonly db: HostDatabase) {}

  listStatuses(): Promise<string[]> {
    return Promise.resolve(STATUSES);
  }

  async getStatuses(pbxTenantId: string, userIds: string[]): Promise<Map<string, PbxPresenceState>> {
    if (!isNumericId(pbxTenantId) || userIds.length === 0) return new Map();
    const rows = await this.db.query<{ user_id: string; status: string; changed_at: Date }>(
      `select p.user_id, p.status, p.changed_at from pbx_presence p join pbx_users u on u.id = p.user_id
        where u.tenant_id = ? and p.user_id::text in (select jsonb_array_elements_text(?::jsonb))`,
      [pbxTenantId, json(userIds)],
    );
    return new Map(
      rows.map((r) => [String(r.user_id), { status: r.status, changedAt: new Date(r.changed_at) }]),
    );
  }

  async setStatus(pbxTenantId: string, userId: string, status: string): Promise<void> {
    if (!STATUSES.includes(status)) throw new Error(`Unknown status ${status}`);
    await this.db.query(
      `insert into pbx_presence (user_id, status, changed_at)
       select id, ?, now() from pbx_users where tenant_id = ? and id = ?
       on conflict (user_id) do update set status = excluded.status, changed_at = excluded.changed_at`,
      [status, pbxTenantId, userId],
    );
  }
}
