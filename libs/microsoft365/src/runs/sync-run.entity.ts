import { Entity, Enum, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import {
  DeletionGuardState,
  type RunGraphUsage,
  type RunIssue,
  RunMode,
  type RunProgress,
  RunStatus,
  RunTrigger,
  SyncKind,
} from './sync-run-status';

/** Leavers a deletion guard held back, waiting for an admin. */
export interface StagedRemovals {
  state: DeletionGuardState;
  reason: string;
  /** The planned leaver actions, as the planner produced them. */
  actions: unknown[];
  decidedAt?: string;
  decidedBy?: string;
  /** With state SUPERSEDED: the full run that decided afresh. */
  supersededBy?: string;
}

/**
 * One sync run: its history entry, its live progress, and its lock. The partial unique index allows one running
 * (non-dry) run per tenant and kind across every host instance; a run whose instance died is recognised by its
 * stale heartbeat and closed by the next one.
 */
@Entity({ tableName: 'm365_sync_runs' })
@Index({ properties: ['pbxTenantId', 'kind', 'startedAt'] })
@Index({
  name: 'm365_sync_runs_one_running',
  expression: `create unique index "m365_sync_runs_one_running" on "m365_sync_runs" ("pbx_tenant_id", "kind") where "status" = 'RUNNING' and "dry_run" = false`,
})
export class SyncRunEntity {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  pbxTenantId!: string;

  @Enum({ items: () => SyncKind, type: 'text' })
  kind!: SyncKind;

  @Enum({ items: () => RunTrigger, type: 'text' })
  trigger!: RunTrigger;

  @Enum({ items: () => RunMode, type: 'text' })
  mode!: RunMode;

  /** Why the run is a full one (first run, scope changed, delta link expired, requested, daily refresh). */
  @Property({ type: 'text', nullable: true })
  modeReason: string | null = null;

  @Property({ type: 'boolean' })
  dryRun: boolean & Opt = false;

  @Enum({ items: () => RunStatus, type: 'text' })
  status: RunStatus & Opt = RunStatus.Running;

  @Property({ type: 'datetime' })
  startedAt!: Date;

  @Property({ type: 'datetime' })
  heartbeatAt!: Date;

  /** The job this run executes in; null for runs an admin waits for in the request (on demand, confirmation). */
  @Index()
  @Property({ type: 'uuid', nullable: true })
  jobId: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  finishedAt: Date | null = null;

  /** Users by what happened to them: created, updated, linked, disabled, deleted, kept, skipped, failed, unchanged, ... */
  @Property({ type: 'json' })
  counts: Record<string, number> & Opt = {};

  @Property({ type: 'json' })
  progress: RunProgress & Opt = { pagesRead: 0, usersRead: 0, usersProcessed: 0 };

  @Property({ type: 'json' })
  graph: RunGraphUsage & Opt = { requests: 0, retries: 0, throttled: 0, waitedMs: 0 };

  /** Skip reasons and per-user errors, capped (the counts stay exact). */
  @Property({ type: 'json' })
  issues: RunIssue[] & Opt = [];

  /** The plan of a dry run or an on-demand run, capped. */
  @Property({ type: 'json', nullable: true, lazy: true })
  plan: unknown[] | null = null;

  @Property({ type: 'json', nullable: true })
  stagedRemovals: StagedRemovals | null = null;

  /** Why the run failed as a whole, with Microsoft's code and what to do. */
  @Property({ type: 'json', nullable: true })
  error: { code: string; message: string; action?: string; microsoft?: unknown } | null = null;
}
