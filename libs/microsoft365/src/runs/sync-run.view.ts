import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type SyncRunEntity } from './sync-run.entity';
import {
  type RunGraphUsage,
  type RunIssue,
  RunMode,
  type RunProgress,
  RunStatus,
  RunTrigger,
  SyncKind,
} from './sync-run-status';

/** A run as admins see it in the history. */
export class SyncRunView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: SyncKind }) kind!: SyncKind;
  @ApiProperty({ enum: RunTrigger }) trigger!: RunTrigger;
  @ApiProperty({ enum: RunMode }) mode!: RunMode;
  @ApiPropertyOptional({ nullable: true, type: String }) modeReason!: string | null;
  @ApiProperty() dryRun!: boolean;
  @ApiProperty({ enum: RunStatus }) status!: RunStatus;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) finishedAt!: string | null;
  @ApiProperty({
    description: 'Users by outcome: created, updated, linked, disabled, deleted, skipped, failed, ...',
  })
  counts!: Record<string, number>;
  @ApiProperty({ description: 'Pages read and users processed so far' }) progress!: RunProgress;
  @ApiProperty({ description: 'Graph requests, retries, throttled answers and time waited' })
  graph!: RunGraphUsage;
  @ApiProperty({ description: 'Per-user skip reasons and errors (first 1000)' }) issues!: RunIssue[];
  @ApiPropertyOptional({ description: 'Leavers held back by the deletion guard' })
  stagedRemovals!: SyncRunEntity['stagedRemovals'];
  @ApiPropertyOptional({ description: 'The planned actions of a dry run, or the steps of an on-demand run' })
  plan?: unknown[] | null;
  @ApiPropertyOptional({ nullable: true }) error!: SyncRunEntity['error'];

  static of(run: SyncRunEntity, withPlan = false): SyncRunView {
    return {
      id: run.id,
      kind: run.kind,
      trigger: run.trigger,
      mode: run.mode,
      modeReason: run.modeReason,
      dryRun: run.dryRun,
      status: run.status,
      startedAt: run.startedAt.toISOString(),
      finishedAt: run.finishedAt?.toISOString() ?? null,
      counts: run.counts,
      progress: run.progress,
      graph: run.graph,
      issues: run.issues,
      stagedRemovals: run.stagedRemovals,
      ...(withPlan ? { plan: run.plan ?? null } : {}),
      error: run.error,
    };
  }
}
