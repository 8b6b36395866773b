/**
 * Instances benchmark (issue 18): one PostgreSQL, three PBX host processes working one job queue (pg-boss),
 * BENCH_TENANTS PBX tenants (default 1,000) of BENCH_USERS users (default 100) on one emulator, every tenant's user
 * sync scheduled for the same minute; one instance is killed with SIGKILL while the slot's runs are going. Then
 * BENCH_NOTIFIED tenants (default 200) are notified through random instances, one of which is killed before its
 * debounce window ends.
 *
 *   BENCH_ONLY=instances npm run bench
 *   BENCH_TENANTS=1000 BENCH_USERS=100 BENCH_NOTIFIED=200 BENCH_LATENCY_MS=100 BENCH_SPREAD_SECONDS=60
 *
 * Reports, per tenant, the runs of the slot (must be exactly 1 for every tenant), the runs per instance, the time
 * from the slot to the last run's end against the ideal (total run time / (instances × concurrency)), the Graph
 * requests per run, and whether every notified tenant got its run. Writes bench/results/instances.json.
 */
import { type MikroORM } from '@mikro-orm/postgresql';
import { createTestApp, type TestApp } from '@pbx/test/support/create-test-app';
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMonitor, environment, envInt, log, sleep, startDatabase } from './support/bench.measurement';
import {
  connectTenant,
  type EmulatorProcess,
  forEachLimited,
  startEmulatorProcess,
} from './support/emulator.process';

const RESULTS_FILE = join(__dirname, 'results', 'instances.json');
const PERMISSIONS = ['User.Read.All'];
const INSTANCES = 3;

interface Host {
  name: string;
  child: ChildProcess;
  killed: boolean;
}

interface Tenant {
  id: string;
  directoryId: string;
  base: string;
  adminToken: string;
}

async function main(): Promise<void> {
  const tenants = envInt('BENCH_TENANTS', 1_000);
  const users = envInt('BENCH_USERS', 100);
  const notified = Math.min(envInt('BENCH_NOTIFIED', 200), tenants);
  const latencyMs = envInt('BENCH_LATENCY_MS', 100);
  const concurrency = envInt('BENCH_CONCURRENCY', 2);
  const spreadSeconds = envInt('BENCH_SPREAD_SECONDS', 60);
  const expireSeconds = envInt('BENCH_EXPIRE_SECONDS', 30);
  const debounceMs = envInt('BENCH_DEBOUNCE_MS', 5_000);
  const masterKey = randomBytes(32).toString('base64');
  const hostLog = join(tmpdir(), `pbx-bench-instances-${process.pid}.log`);
  await writeFile(hostLog, '');

  const stopDatabase = await startDatabase();
  const emulator = await startEmulatorProcess();
  const hosts: Host[] = [];
  try {
    // Set-up on an instance of its own, closed before the measured instances start.
    const setup = await createTestApp({
      // The same job settings as the measured instances: the slots it queues carry their expiry.
      microsoft365: { ...emulator.moduleOptions, jobs: { spreadSeconds, expireSeconds } },
      config: { masterKey },
    });
    const monitor = await createMonitor(setup.orm);
    const created = await createTenants(setup, emulator, tenants, users);
    // Every tenant on the same minute: the next one that leaves a minute for the instances to start.
    const slot = new Date(Math.ceil((Date.now() + 90_000) / 60_000) * 60_000);
    const cron = `${slot.getUTCMinutes()} ${slot.getUTCHours()} * * *`;
    // Saved through the admin API, as an admin would: each save queues the tenant's slot.
    await forEachLimited(created, 16, async (tenant) => {
      await setup
        .as(tenant.adminToken)
        .patch(`${tenant.base}/user-sync/settings`)
        .send({ scheduleEnabled: true, scheduleCron: cron, scheduleTimeZone: 'UTC' })
        .expect(200);
    });
    await setup.close();
    await emulator.control('setFaults', {
      errorRate: 0,
      dropRate: 0,
      latency: { fixedMs: latencyMs, jitterMs: 0 },
    });

    const env = {
      ...process.env,
      BENCH_HOST_LOG: hostLog,
      BENCH_MASTER_KEY: masterKey,
      BENCH_EMULATOR_URL: emulator.baseUrl,
      BENCH_EMULATOR_CA: emulator.caPem,
      BENCH_CONCURRENCY: String(concurrency),
      BENCH_SPREAD_SECONDS: String(spreadSeconds),
      BENCH_EXPIRE_SECONDS: String(expireSeconds),
      BENCH_DEBOUNCE_MS: String(debounceMs),
    };
    for (let i = 1; i <= INSTANCES; i++) hosts.push(await startHost(`instance-${i}`, env));
    log(`${INSTANCES} instances up; slot ${slot.toISOString()} (cron "${cron}" UTC), ${tenants} tenants`);

    // The slot's runs: kill the second instance once a third of them finished.
    let killedAt: Date | null = null;
    const deadline = slot.getTime() + 30 * 60_000;
    for (;;) {
      const finished = await countScheduleRuns(monitor, slot);
      if (!killedAt && finished >= tenants / 3) {
        hosts[1]?.child.kill('SIGKILL');
        if (hosts[1]) hosts[1].killed = true;
        killedAt = new Date();
        log(`SIGKILL instance-2 after ${finished} runs`);
      }
      if (finished >= tenants || Date.now() > deadline) break;
      await sleep(1_000);
    }
    const runs = await scheduleRuns(monitor, slot);
    const perTenant = new Map<string, number>();
    for (const run of runs) perTenant.set(run.pbx_tenant_id, (perTenant.get(run.pbx_tenant_id) ?? 0) + 1);
    const exactlyOnce = created.filter((tenant) => perTenant.get(tenant.id) === 1).length;
    const byInstance = await runsByInstance(hostLog, new Set(runs.map((run) => run.id)));
    const totalRunMs = runs.reduce(
      (sum, run) => sum + (run.finished_at.getTime() - run.started_at.getTime()),
      0,
    );
    const lastEnd = Math.max(...runs.map((run) => run.finished_at.getTime()));
    const requests = runs.map((run) => run.graph?.requests ?? 0).sort((a, b) => a - b);

    // Notifications: random instances (the killed one restarted), one killed before its debounce window ends.
    if (hosts[1]) hosts[1] = await startHost('instance-2b', env);
    const picked = created.slice(0, notified);
    const since = new Date();
    picked.forEach((tenant, index) => hosts[index % INSTANCES]?.child.send({ wake: tenant.id }));
    await sleep(Math.min(1_000, debounceMs / 2));
    hosts[2]?.child.kill('SIGKILL');
    if (hosts[2]) hosts[2].killed = true;
    const notifiedDeadline = Date.now() + 10 * 60_000 + expireSeconds * 1000;
    let notifiedRuns = 0;
    while (Date.now() < notifiedDeadline) {
      notifiedRuns = await countNotificationRuns(monitor, since);
      if (notifiedRuns >= picked.length) break;
      await sleep(1_000);
    }

    const result = {
      benchmark: 'instances',
      command: 'BENCH_ONLY=instances npm run bench',
      environment: environment(),
      parameters: {
        instances: INSTANCES,
        tenants,
        users,
        latencyMs,
        concurrency,
        spreadSeconds,
        expireSeconds,
        debounceMs,
      },
      slot: {
        at: slot.toISOString(),
        tenantsRunExactlyOnce: `${exactlyOnce} of ${tenants}`,
        tenantsRunTwiceOrMore: [...perTenant.values()].filter((count) => count > 1).length,
        tenantsNotRun: created.filter((tenant) => !perTenant.has(tenant.id)).length,
        failedRuns: runs.filter((run) => run.status === 'FAILED').length,
        runsPerInstance: byInstance,
        killed: { instance: 'instance-2', at: killedAt?.toISOString() ?? null },
        slotToLastRunEndMs: lastEnd - slot.getTime(),
        totalRunMs,
        idealMs: {
          allInstances: Math.round(totalRunMs / (INSTANCES * concurrency)),
          afterTheKill: Math.round(totalRunMs / ((INSTANCES - 1) * concurrency)),
          note: 'total run time / (instances × concurrency); the spreading window adds up to spreadSeconds before the last start',
        },
        graphRequestsPerRun: {
          min: requests[0] ?? 0,
          median: requests[Math.floor(requests.length / 2)] ?? 0,
          max: requests.at(-1) ?? 0,
        },
      },
      notifications: {
        notifiedTenants: picked.length,
        tenantsWithTheirRun: notifiedRuns,
        killed: 'instance-3, before its debounce window ended',
        note: 'wakes sent to the instances over IPC into UserSyncTrigger.wake, which the notification endpoint calls once a notification is validated',
      },
    };
    await mkdir(join(__dirname, 'results'), { recursive: true });
    await writeFile(RESULTS_FILE, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    await monitor.close(true);
  } finally {
    for (const host of hosts) if (!host.killed) host.child.kill('SIGTERM');
    await emulator.close();
    await stopDatabase();
  }
}

async function createTenants(
  t: TestApp,
  emulator: EmulatorProcess,
  count: number,
  users: number,
): Promise<Tenant[]> {
  const systemToken = await t.loginAsSystemAdmin();
  const created: Tenant[] = [];
  const started = Date.now();
  await forEachLimited(
    Array.from({ length: count }, (_, i) => i),
    8,
    async (i) => {
      const seeded = await emulator.control('seed', {
        seed: `instances-${i}`,
        tenantId: randomUUID(),
        domain: `instances${i}.onmicrosoft.com`,
        users,
        departments: 0,
        groupDepth: 0,
        app: { permissions: PERMISSIONS },
      });
      const pbx = await t.createTenantWithAdmin(systemToken);
      const base = await connectTenant(
        t,
        emulator,
        { tenantId: seeded.tenantId, clientId: seeded.clientId ?? '' },
        pbx,
        { permissions: PERMISSIONS },
      );
      created.push({ id: pbx.tenant.id, directoryId: seeded.tenantId, base, adminToken: pbx.adminToken });
      if (created.length % 100 === 0)
        log(`${created.length} tenants connected (${Math.round((Date.now() - started) / 1000)} s)`);
    },
  );
  return created;
}

function startHost(name: string, env: NodeJS.ProcessEnv): Promise<Host> {
  const child = fork(join(__dirname, 'support', 'host.process.ts'), [], {
    env: { ...env, BENCH_HOST_NAME: name },
    execArgv: process.execArgv.filter((arg) => arg !== '--expose-gc'),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve({ name, child, killed: false }));
    child.once('exit', (code) =>
      reject(new Error(`${name} exited with ${String(code)} before it was ready`)),
    );
  });
}

interface RunRow {
  id: string;
  pbx_tenant_id: string;
  status: string;
  started_at: Date;
  finished_at: Date;
  graph: { requests?: number } | null;
}

async function scheduleRuns(monitor: MikroORM, slot: Date): Promise<RunRow[]> {
  const rows = await monitor.em.getConnection().execute<RunRow[]>(
    `select id, pbx_tenant_id, status, started_at, finished_at, graph from m365_sync_runs
     where kind = 'USERS' and trigger = 'SCHEDULE' and started_at >= ? and status <> 'RUNNING'`,
    [new Date(slot.getTime() - 5_000)],
  );
  return rows.map((row) => ({
    ...row,
    started_at: new Date(row.started_at),
    finished_at: new Date(row.finished_at),
  }));
}

async function countScheduleRuns(monitor: MikroORM, slot: Date): Promise<number> {
  const [row] = await monitor.em.getConnection().execute<{ count: string }[]>(
    `select count(distinct pbx_tenant_id) as count from m365_sync_runs
     where kind = 'USERS' and trigger = 'SCHEDULE' and started_at >= ? and status <> 'RUNNING'`,
    [new Date(slot.getTime() - 5_000)],
  );
  return Number(row?.count ?? 0);
}

async function countNotificationRuns(monitor: MikroORM, since: Date): Promise<number> {
  const [row] = await monitor.em.getConnection().execute<{ count: string }[]>(
    `select count(distinct pbx_tenant_id) as count from m365_sync_runs
     where kind = 'USERS' and trigger = 'NOTIFICATION' and started_at >= ? and status <> 'RUNNING'`,
    [since],
  );
  return Number(row?.count ?? 0);
}

async function runsByInstance(file: string, slotRuns: Set<string>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (!line) continue;
    const entry = JSON.parse(line) as { instance: string; runId: string };
    if (slotRuns.has(entry.runId)) counts[entry.instance] = (counts[entry.instance] ?? 0) + 1;
  }
  return counts;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
