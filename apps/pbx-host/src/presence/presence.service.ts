import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';
import { type Page } from '../common/page.response';
import { DEFAULT_PRESENCE_STATUS, type PresenceStatus } from './presence-status';
import { UsersService } from '../users/users.service';
import { jsonSet } from '../common/sql-array';

export interface UserPresence {
  userId: string;
  status: PresenceStatus;
  changedAt: Date;
}

interface PresenceRow {
  user_id: string;
  status: PresenceStatus | null;
  changed_at: Date | null;
  created_at: Date;
}

/** A status that changed, whoever changed it (the user, an admin, the Microsoft 365 module through its port). */
export interface PresenceChange {
  tenantId: string;
  userId: string;
  from: PresenceStatus;
  to: PresenceStatus;
}

/** Extension presence. Users who never set a status are Available since they were created. */
@Injectable()
export class PresenceService {
  /** Every status change, after it is written (e.g. do not disturb, which the PBX reports as a call state). */
  readonly changes$ = new Subject<PresenceChange>();

  constructor(
    private readonly em: EntityManager,
    private readonly users: UsersService,
  ) {}

  async get(tenantId: string, userId: string): Promise<UserPresence> {
    await this.users.get(tenantId, userId);
    const [presence] = await this.getMany(tenantId, [userId]);
    // getMany returns every existing user of the tenant it was asked for; the user was checked above.
    return presence ?? { userId, status: DEFAULT_PRESENCE_STATUS, changedAt: new Date() };
  }

  /** The presence of those of `userIds` that are users of this tenant, in one query. */
  async getMany(tenantId: string, userIds: string[]): Promise<UserPresence[]> {
    if (userIds.length === 0) {
      return [];
    }
    const rows = await this.em.execute<PresenceRow[]>(
      `select u.id as user_id, p.status, p.changed_at, u.created_at
         from users u left join presence p on p.user_id = u.id
        where u.tenant_id = ? and u.id in ${jsonSet('uuid')}`,
      [tenantId, JSON.stringify(userIds)],
    );
    return rows.map((row) => ({
      userId: row.user_id,
      status: row.status ?? DEFAULT_PRESENCE_STATUS,
      changedAt: new Date(row.changed_at ?? row.created_at),
    }));
  }

  /** The tenant's users' presence by extension, a page at a time (the busy-lamp field). */
  async list(tenantId: string, page: { limit: number; offset: number }): Promise<Page<UserPresence>> {
    const users = await this.users.list(tenantId, page);
    const byUser = new Map(
      (
        await this.getMany(
          tenantId,
          users.items.map((user) => user.id),
        )
      ).map((presence) => [presence.userId, presence]),
    );
    return {
      ...users,
      items: users.items.flatMap((user) => byUser.get(user.id) ?? []),
    };
  }

  /** Sets the status; `changedAt` moves only when the status actually changes. */
  async set(tenantId: string, userId: string, status: PresenceStatus): Promise<UserPresence> {
    await this.users.get(tenantId, userId);
    const [before] = await this.getMany(tenantId, [userId]);
    await this.em.execute(
      `insert into presence (user_id, tenant_id, status, changed_at) values (?, ?, ?, ?)
       on conflict (user_id) do update set status = excluded.status, changed_at = excluded.changed_at
       where presence.status is distinct from excluded.status`,
      [userId, tenantId, status, new Date()],
    );
    if (before && before.status !== status)
      this.changes$.next({ tenantId, userId, from: before.status, to: status });
    return this.get(tenantId, userId);
  }
}
