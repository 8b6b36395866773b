import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { describeUnexpected, lostDatabaseConnection } from '../common/database-failure';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { newGraphMeter, withGraphFeature, withGraphMeter } from '../graph/graph-meter';
import { GRAPH_RESILIENCE_SETTINGS, type ResilienceSettings, RetryPolicy } from '../graph/retry.policy';
import { FeatureHealthService } from '../health/feature-health.service';
import { CLOCK, type Clock } from '../common/clock';
import { SyncJobs } from '../jobs/sync-jobs';
import { type SyncRunEntity } from './sync-run.entity';
import { SyncKind } from './sync-run-status';
import { HEARTBEAT_INTERVAL_MS, healthFeatureOf, RUN_FEATURE, SyncRunsService } from './sync-runs.service';

/**
 * The frame every sync run executes in: its Graph traffic metered, a heartbeat while it waits (a long Retry-After
 * must not make it look abandoned to other instances), and the run closed as succeeded or failed with Microsoft's
 * code and what the admin should do. Its Graph retries draw from the run's retry budget (`retryBudgetPerRun`).
 */
@Injectable()
export class SyncRunExecutor implements OnApplicationBootstrap {
  private readonly logger = new Logger(SyncRunExecutor.name);
  private readonly retries: RetryPolicy;

  constructor(
    private readonly runs: SyncRunsService,
    private readonly health: FeatureHealthService,
    private readonly jobs: SyncJobs,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(GRAPH_RESILIENCE_SETTINGS) resilience: ResilienceSettings,
  ) {
    this.retries = new RetryPolicy(resilience);
  }

  /** Queues the next attempt of every quarantined sync that has none waiting (quarantined before an upgrade). */
  async onApplicationBootstrap(): Promise<void> {
    const byFeature = new Map(Object.values(SyncKind).map((kind) => [healthFeatureOf(kind), kind]));
    const rows = await this.health.quarantined([...byFeature.keys()]);
    await this.jobs.ensureRetries(
      rows.flatMap((row) => {
        const kind = byFeature.get(row.feature);
        return kind && row.nextAttemptAt
          ? [{ kind, pbxTenantId: row.pbxTenantId, at: row.nextAttemptAt }]
          : [];
      }),
    );
  }

  /** Runs `work`; answers the failure (already recorded on the run), or null when the run succeeded. */
  async execute(
    run: SyncRunEntity,
    what: string,
    work: () => Promise<void>,
    heartbeat: () => Promise<void> = () => this.runs.heartbeat(run.id),
  ): Promise<Microsoft365Exception | null> {
    const meter = newGraphMeter();
    const timer = setInterval(() => {
      heartbeat().catch((error: unknown) =>
        this.logger.warn(
          `Heartbeat of run ${run.id} not written (the next one retries): ${describeUnexpected(error)}`,
        ),
      );
    }, HEARTBEAT_INTERVAL_MS);
    try {
      await withGraphMeter(meter, { runId: run.id, pbxTenantId: run.pbxTenantId, what }, () =>
        withGraphFeature(RUN_FEATURE[run.kind], work),
      );
      run.graph = { ...meter };
      await this.runs.finish(run);
      await this.recordHealth(run, null);
      return null;
    } catch (error) {
      run.graph = { ...meter };
      const lostDatabase = error instanceof Microsoft365Exception ? null : lostDatabaseConnection(error);
      const exception =
        error instanceof Microsoft365Exception
          ? error
          : lostDatabase
            ? new Microsoft365Exception(
                Microsoft365ErrorCode.Internal,
                `The sync lost its connection to the PBX database (${lostDatabase})`,
                {
                  action:
                    'Check that PostgreSQL is reachable; the next run carries on from what was written.',
                  cause: error,
                },
              )
            : new Microsoft365Exception(
                Microsoft365ErrorCode.Internal,
                'The sync stopped on an unexpected error',
                {
                  action: 'The next run tries again; if this repeats, report it with the run id.',
                  cause: error,
                },
              );
      this.logger.warn(
        `${what} run ${run.id} of PBX tenant ${run.pbxTenantId} failed: ${exception.code} ` +
          `(status=${exception.microsoft?.status ?? '-'}, microsoftCode=${exception.microsoft?.code ?? '-'}, ` +
          `requestId=${exception.microsoft?.requestId ?? '-'})` +
          // The driver's message holds the SQL with its values (profiles, delta links): not needed to say this one.
          (lostDatabase
            ? `: ${exception.message}`
            : exception.code === Microsoft365ErrorCode.Internal
              ? `: ${describeUnexpected(error)}`
              : ''),
      );
      await this.recordFailure(run, {
        code: exception.code,
        message: exception.message,
        ...(exception.action ? { action: exception.action } : {}),
        ...(exception.microsoft ? { microsoft: exception.microsoft } : {}),
      });
      await this.recordHealth(run, exception);
      return exception;
    } finally {
      clearInterval(timer);
    }
  }

  /** Feeds the failure escalation; its own failure (the database) never changes the run's outcome. */
  private async recordHealth(run: SyncRunEntity, failure: Microsoft365Exception | null): Promise<void> {
    const feature = healthFeatureOf(run.kind);
    try {
      if (!failure) {
        await this.health.recordSuccess(run.pbxTenantId, feature);
        return;
      }
      const health = await this.health.recordFailure(run.pbxTenantId, feature, failure);
      // Quarantined: the next attempt is a job due then, whatever the feature's own schedule says (a daily schedule
      // would otherwise wait a day for the 10-minute attempt).
      if (health.nextAttemptAt) {
        await this.jobs.retryIn(
          run.kind,
          run.pbxTenantId,
          health.nextAttemptAt.getTime() - this.clock.now().getTime(),
        );
      }
    } catch (error) {
      this.logger.warn(
        `Could not record the health of ${feature} for PBX tenant ${run.pbxTenantId}: ${describeUnexpected(error)}`,
      );
    }
  }

  /**
   * The failure may be the database itself (a dropped connection): the pool reconnects, so the record is tried a
   * few times, after the retry policy's back-off; if it still cannot be written, the run's stale heartbeat closes it
   * later.
   */
  private async recordFailure(run: SyncRunEntity, error: NonNullable<SyncRunEntity['error']>): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await this.runs.fail(run.id, error, run);
        return;
      } catch (writeError) {
        if (attempt === 3) {
          this.logger.error(
            `Could not record the failure of run ${run.id}: ${writeError instanceof Error ? writeError.message : 'unknown'}`,
          );
          return;
        }
        await this.retries.sleep(this.retries.backoffMs(attempt));
      }
    }
  }
}
