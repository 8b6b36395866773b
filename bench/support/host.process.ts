/**
 * One PBX host instance for the instances benchmark (bench/instances.bench.ts), in a process of its own so that the
 * benchmark can kill it with SIGKILL. It opens the benchmark's database without emptying it, points the module at
 * the emulator child, and works the job queue like any instance. Each run it finishes is appended (synchronously,
 * so a killed instance loses none) to `BENCH_HOST_LOG`, which is how runs are counted per instance. Messages from the
 * parent: `{ wake: pbxTenantId }` asks for the notification run a change notification asks for (what the
 * notification endpoint calls once a notification is validated).
 */
import { UserSyncTrigger } from '@pbx/microsoft365/notifications/user-sync.trigger';
import { SyncRunsService } from '@pbx/microsoft365/runs/sync-runs.service';
import { type SyncRunEntity } from '@pbx/microsoft365/runs/sync-run.entity';
import { createTestApp } from '@pbx/test/support/create-test-app';
import { appendFileSync } from 'node:fs';

async function main(): Promise<void> {
  const env = process.env;
  const logFile = env.BENCH_HOST_LOG ?? '';
  const instance = env.BENCH_HOST_NAME ?? 'host';
  const finish = SyncRunsService.prototype.finish;
  SyncRunsService.prototype.finish = async function (this: SyncRunsService, run: SyncRunEntity) {
    await finish.call(this, run);
    appendFileSync(logFile, `${JSON.stringify({ instance, runId: run.id, pbxTenantId: run.pbxTenantId })}\n`);
  };
  const t = await createTestApp({
    reset: false,
    config: { masterKey: env.BENCH_MASTER_KEY ?? '' },
    microsoft365: {
      endpoints: {
        authorityBaseUrl: env.BENCH_EMULATOR_URL ?? '',
        graphBaseUrl: env.BENCH_EMULATOR_URL ?? '',
      },
      trustedCaPem: [env.BENCH_EMULATOR_CA ?? ''],
      notifications: { debounceMs: Number(env.BENCH_DEBOUNCE_MS ?? 5_000), tickSeconds: 0 },
      jobs: {
        concurrency: Number(env.BENCH_CONCURRENCY ?? 2),
        spreadSeconds: Number(env.BENCH_SPREAD_SECONDS ?? 60),
        expireSeconds: Number(env.BENCH_EXPIRE_SECONDS ?? 30),
        maintenanceIntervalSeconds: 5,
        pollingIntervalSeconds: 1,
      },
    },
    logLevels: ['error'],
  });
  process.on('message', (message: { wake?: string }) => {
    if (message.wake) {
      void t
        .get(UserSyncTrigger)
        .wake(message.wake)
        .catch((error: unknown) => {
          process.stderr.write(`${instance}: wake failed: ${String(error)}\n`);
        });
    }
  });
  process.on('SIGTERM', () => void t.close().then(() => process.exit(0)));
  process.send?.({ ready: true });
}

main().catch((error: unknown) => {
  process.stderr.write(`host failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
