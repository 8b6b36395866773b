import { type QueryResult } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { CLOCK, type Clock } from '../common/clock';
import { describeUnexpected } from '../common/database-failure';
import { SyncKind } from '../runs/sync-run-status';
import { DEFAULT_PROVISIONING_LOG_RETENTION_DAYS } from './provisioning-log-retention';

/** Rows removed per statement: short transactions and locks, whatever the backlog. */
const ROWS_PER_BATCH = 1000;

const DAY_MS = 24 * 3600_000;

interface TenantRetention {
  pbx_tenant_id: string;
  users: number;
  contacts: number;
}

/**
 * Removes provisioning log entries older than each tenant's retention (per feature), once a day, in small batches
 * by age. Every PBX instance runs it: each batch locks the rows it removes and skips those another instance has
 * locked (`for update skip locked`), so instances share the work instead of waiting for each other.
 */
@Injectable()
export class ProvisioningLogCleanup {
  private readonly logger = new Logger(ProvisioningLogCleanup.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Cron('17 3 * * *', { name: 'microsoft365-provisioning-log-cleanup' })
  async daily(): Promise<void> {
    try {
      const removed = await this.removeExpired();
      if (removed > 0) this.logger.log(`Removed ${removed} provisioning log entries past their retention`);
    } catch (error) {
      // The next day's run removes what this one left.
      this.logger.warn(`Provisioning log cleanup stopped: ${describeUnexpected(error)}`);
    }
  }

  /** Removes every expired entry; answers how many. */
  async removeExpired(): Promise<number> {
    const now = this.clock.now().getTime();
    let removed = 0;
    for (const tenant of await this.tenants()) {
      // Group sync follows the user sync (its members are the user sync's users) and keeps its entries as long.
      for (const [kind, days] of [
        [SyncKind.Users, tenant.users],
        [SyncKind.Contacts, tenant.contacts],
        [SyncKind.Groups, tenant.users],
      ] as const) {
        removed += await this.removeOlderThan(tenant.pbx_tenant_id, kind, new Date(now - days * DAY_MS));
      }
    }
    return removed;
  }

  /**
   * The tenants that have entries, with their retention per feature. The tenants are found by skipping through
   * the (pbx_tenant_id, ...) index one tenant at a time, not by reading the whole log.
   */
  private tenants(): Promise<TenantRetention[]> {
    return this.em.fork().execute<TenantRetention[]>(
      `with recursive tenants as (
         (select pbx_tenant_id from m365_provisioning_log order by pbx_tenant_id limit 1)
         union all
         select (select l.pbx_tenant_id from m365_provisioning_log l
                  where l.pbx_tenant_id > tenants.pbx_tenant_id order by l.pbx_tenant_id limit 1)
           from tenants where tenants.pbx_tenant_id is not null)
       select t.pbx_tenant_id,
              coalesce(u.provisioning_log_retention_days, ?)::int as users,
              coalesce(c.provisioning_log_retention_days, ?)::int as contacts
         from tenants t
         left join m365_user_sync_settings u on u.pbx_tenant_id = t.pbx_tenant_id
         left join m365_contact_sync_settings c on c.pbx_tenant_id = t.pbx_tenant_id
        where t.pbx_tenant_id is not null`,
      [DEFAULT_PROVISIONING_LOG_RETENTION_DAYS, DEFAULT_PROVISIONING_LOG_RETENTION_DAYS],
    );
  }

  private async removeOlderThan(pbxTenantId: string, kind: SyncKind, cutoff: Date): Promise<number> {
    let removed = 0;
    for (;;) {
      const result = await this.em.fork().execute<QueryResult>(
        `with doomed as (
           select id from m365_provisioning_log
            where pbx_tenant_id = ? and kind = ? and created_at < ?
            order by created_at
            limit ?
            for update skip locked)
         delete from m365_provisioning_log l using doomed where l.id = doomed.id`,
        [pbxTenantId, kind, cutoff, ROWS_PER_BATCH],
        'run',
      );
      removed += result.affectedRows;
      if (result.affectedRows < ROWS_PER_BATCH) return removed;
    }
  }
}
