import { DriverException } from '@mikro-orm/core';
import { Injectable, Logger } from '@nestjs/common';
import { Microsoft365ErrorCode } from '@pbx/microsoft365/common/microsoft365-error-code';
import { Microsoft365Exception } from '@pbx/microsoft365/common/microsoft365.exception';
import { newGraphMeter, withGraphMeter } from '@pbx/microsoft365/graph/graph-meter';
import { type SyncRunEntity } from '@pbx/microsoft365/runs/sync-run.entity';
import { HEARTBEAT_INTERVAL_MS, SyncRunsService } from '@pbx/microsoft365/runs/sync-runs.service';

/**
 * The frame every sync run executes in: its Graph traffic metered, a heartbeat while it waits (a long Retry-After
 * must not make it look abandoned to other instances), and the run closed as succeeded or failed with Microsoft's
 * code and what the admin should do.
 */
@Injectable()
export class SyncRunExecutor {
  private readonly logger = new Logger(SyncRunExecutor.name);

  constructor(private readonly runs: SyncRunsService) {}

  /** Runs `work`; answers the failure (already recorded on the run), or null when the run succeeded. */
  async execute(
    run: SyncRunEntity,
    what: string,
    work: () => Promise<void>,
    heartbeat: () => Promise<void> = () => this.runs.heartbeat(run.id),
  ): Promise<Microsoft365Exception | null> {
    const meter = newGraphMeter();
    const timer = setInterval(() => {
      heartbeat().catch(() => undefined);
    }, HEARTBEAT_INTERVAL_MS);
    try {
      await withGraphMeter(meter, work);
      run.graph = { ...meter };
      await this.runs.finish(run);
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
      return exception;
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * The failure may be the database itself (a dropped connection): the pool reconnects, so the record is tried a
   * few times; if it still cannot be written, the run's stale heartbeat closes it later.
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
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }
}

/** SQLSTATEs of a lost or refused connection: class 08, admin/crash shutdown or not accepting yet, too many clients. */
const CONNECTION_SQLSTATE = /^(08|57P0[1-3]$|53300$)/;

/** pg and knex's pool say so in words when the socket closes under them or no connection can be had. */
const POOL_MESSAGE = /Connection terminated|Connection ended unexpectedly|Timeout acquiring a connection/;

/** The PostgreSQL error code (or "connection closed") when `error` is the database connection failing, else null. */
function lostDatabaseConnection(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (error instanceof DriverException) {
    if (typeof code === 'string' && CONNECTION_SQLSTATE.test(code)) return `PostgreSQL ${code}`;
    if (typeof code === 'string' && /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT)$/.test(code)) return code;
  }
  return POOL_MESSAGE.test(error.message) ? 'connection closed' : null;
}

/**
 * What the log may say of an unexpected error: a database error by its class and SQLSTATE only (its message
 * carries the SQL with the bound values: profiles, delta links), anything else by name and message.
 */
function describeUnexpected(error: unknown): string {
  if (error instanceof DriverException) {
    const code = (error as { code?: unknown }).code;
    return `${error.name} (SQLSTATE ${typeof code === 'string' ? code : '-'})`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : 'non-error thrown';
}
