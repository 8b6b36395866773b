import { type EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CLOCK, type Clock } from '../common/clock';
import { type SyncRunEntity } from '../runs/sync-run.entity';
import { executeBound } from '../common/bound-statement';
import { type ProvisioningLogDraft } from './provisioning-log-entry';

/** A user sync page holds at most 999 users: one statement per page. */
const ROWS_PER_STATEMENT = 1000;

/**
 * Writes a run's provisioning log entries in the caller's transaction, so an entry exists exactly when what it
 * describes was committed. One multi-row statement per page, never one insert per user: a 100 000-user run must
 * not get noticeably slower for its log.
 */
@Injectable()
export class ProvisioningLogWriter {
  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  async write(
    em: EntityManager,
    run: Pick<SyncRunEntity, 'id' | 'pbxTenantId' | 'kind'>,
    drafts: readonly ProvisioningLogDraft[],
  ): Promise<void> {
    if (drafts.length === 0) return;
    const createdAt = this.clock.now().toISOString();
    for (let start = 0; start < drafts.length; start += ROWS_PER_STATEMENT) {
      const rows = drafts.slice(start, start + ROWS_PER_STATEMENT).map((draft) => ({
        id: randomUUID(),
        action: draft.action,
        object_id: draft.objectId,
        user_principal_name: draft.userPrincipalName,
        pbx_user_id: draft.pbxUserId,
        extension: draft.extension,
        reason: draft.reason,
        message: draft.message,
        changes: draft.changes,
        counts: draft.counts,
      }));
      // Bound, not written into the SQL text: a page's entries are a few hundred kB (see executeBound).
      await executeBound(
        em,
        `insert into m365_provisioning_log
           (id, pbx_tenant_id, kind, run_id, action, object_id, user_principal_name, pbx_user_id, extension,
            reason, message, changes, counts, created_at)
         select v.id, ?::text, ?::text, ?::uuid, v.action, v.object_id, v.user_principal_name, v.pbx_user_id, v.extension,
                v.reason, v.message, v.changes, v.counts, ?::timestamptz
           from jsonb_to_recordset(?::jsonb) as v(id uuid, action text, object_id text, user_principal_name text,
                pbx_user_id text, extension text, reason text, message text, changes jsonb, counts jsonb)`,
        [run.pbxTenantId, run.kind, run.id, createdAt, JSON.stringify(rows)],
      );
    }
  }
}
