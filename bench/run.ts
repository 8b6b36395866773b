/**
 * `npm run bench`: the user-sync, contact-sync, real-time, instances and SSO benchmarks, each in a process of its
 * own (each starts its own database and emulator child, and exits when done). BENCH_ONLY=users, contacts, realtime,
 * instances or sso runs one of them; every other BENCH_* variable is passed through (see each bench file). The
 * compiled host the benches start (support/compiled-host.ts) is built first when dist/ is missing or stale.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureCompiledHost } from './support/compiled-host';

const BENCHES = [
  { name: 'users', file: 'user-sync.bench.ts' },
  { name: 'contacts', file: 'contact-sync.bench.ts' },
  { name: 'realtime', file: 'realtime.bench.ts' },
  { name: 'instances', file: 'instances.bench.ts' },
  { name: 'sso', file: 'sso.bench.ts' },
] as const;

const only = process.env.BENCH_ONLY;
if (only !== undefined && only !== '' && !BENCHES.some((bench) => bench.name === only)) {
  throw new Error(`BENCH_ONLY must be one of ${BENCHES.map((bench) => bench.name).join(', ')}, got ${only}`);
}

// Built once here rather than by the first bench that needs it: its output then comes before any bench's.
if (!only || ['users', 'contacts', 'sso'].includes(only)) ensureCompiledHost();

let failed = false;
for (const bench of BENCHES) {
  if (only && only !== bench.name) continue;
  // Same node flags as this process (--expose-gc, ts-node and tsconfig-paths).
  const result = spawnSync(process.execPath, [...process.execArgv, join(__dirname, bench.file)], {
    stdio: 'inherit',
    env: process.env,
  });
  if (result.status !== 0) {
    process.stderr.write(`bench ${bench.name} failed (exit ${String(result.status ?? result.signal)})\n`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
