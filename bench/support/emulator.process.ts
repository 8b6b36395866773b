/**
 * The Microsoft 365 emulator in a child process of its own (apps/m365-emulator/src/main.ts), driven through its
 * HTTP control API over HTTPS. The benches measure the PBX: with the emulator in the same process its emulated
 * directory (100,000 users, 200,000 contacts) would count in the PBX's RSS, and both would share one event loop.
 */
import type { ControlOperation, CountersSnapshot, EmulatorControl } from '@pbx/m365-emulator';
import { type Microsoft365ModuleOptions } from '@pbx/microsoft365';
import { type AdminDriver, connectTenantTo } from '@pbx/test/support/microsoft365-test-env';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';

const MAIN = join(__dirname, '..', '..', 'apps', 'm365-emulator', 'src', 'main.ts');
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;

type ControlInput<K extends ControlOperation> = Parameters<EmulatorControl[K]>[0];
type ControlOutput<K extends ControlOperation> = Awaited<ReturnType<EmulatorControl[K]>>;

export interface EmulatorProcess {
  readonly pid: number;
  readonly baseUrl: string;
  readonly caPem: string;
  /** Points the module at the child, as a corporate gateway would be configured. */
  readonly moduleOptions: Pick<Microsoft365ModuleOptions, 'endpoints' | 'trustedCaPem'>;
  /** POST /_emulator/{operation} with the JSON body; throws on anything but 200. */
  control<K extends ControlOperation>(operation: K, input: ControlInput<K>): Promise<ControlOutput<K>>;
  counters(): Promise<CountersSnapshot>;
  close(): Promise<void>;
}

/**
 * BENCH_CPU_PROF_DIR=<dir>: the child writes a V8 CPU profile (`--cpu-prof`) into <dir>/<name> when it exits (the
 * emulator and the host both exit cleanly on SIGTERM), to see where its CPU goes, e.g. per page of a user sync
 * (open the .cpuprofile in Chrome DevTools or VS Code).
 */
export function cpuProfileArgs(name: string): string[] {
  const dir = process.env.BENCH_CPU_PROF_DIR;
  return dir ? ['--cpu-prof', '--cpu-prof-dir', join(dir, name)] : [];
}

/**
 * Starts the emulator app with an empty seed (no users, mailboxes or events: the benches seed their own tenants
 * through the control API) on a free port, with its CA in a throw-away state directory.
 */
export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const stateDir = await mkdtemp(join(tmpdir(), 'pbx-bench-emulator-'));
  const args = [
    ...cpuProfileArgs('emulator'),
    '-r',
    'ts-node/register/transpile-only',
    '-r',
    'tsconfig-paths/register',
    MAIN,
    ...['--port', '0', '--users', '0', '--contacts', '0', '--shared-mailboxes', '0', '--events', '0'],
    ...['--state-dir', stateDir],
  ];
  const child = spawn(process.execPath, args, {
    cwd: join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => fail(new Error('the emulator did not start in time')), START_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n${stderr}`));
    };
    child.once('exit', (code) => fail(new Error(`the emulator exited with ${String(code)}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (https:\/\/\S+)/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(match[1]);
      }
    });
  });
  // Keep draining stdout so the child never blocks on a full pipe.
  child.stdout?.resume();
  const caPem = await readFile(join(stateDir, 'ca.pem'), 'utf8');
  const agent = new Agent({ connect: { ca: caPem }, keepAliveTimeout: 10_000, connections: 64 });
  const pid = child.pid ?? 0;
  // A bench that dies (or exits on an error) must not leave its emulator behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const call = async <T>(method: 'GET' | 'POST', path: string, body?: object): Promise<T> => {
    const response = await request(`${baseUrl}${path}`, {
      method,
      dispatcher: agent,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200)
      throw new Error(`emulator ${method} ${path}: ${response.statusCode} ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  };

  return {
    pid,
    baseUrl,
    caPem,
    moduleOptions: {
      endpoints: { authorityBaseUrl: baseUrl, graphBaseUrl: baseUrl },
      trustedCaPem: [caPem],
    },
    control: (operation, input) => call('POST', `/_emulator/${operation}`, input ?? {}),
    counters: () => call<CountersSnapshot>('GET', '/_emulator/counters'),
    close: async () => {
      process.removeListener('exit', killOnExit);
      await agent.close();
      if (child.exitCode === null && child.signalCode === null) {
        await stopChild(child, STOP_TIMEOUT_MS);
      }
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** SIGTERM, then SIGKILL after `timeoutMs`; resolves when the child has exited. Shared by the bench's children. */
export async function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * What a PBX admin does to connect a tenant (test/support's connectTenantTo), with the certificate upload and the
 * admin consent through the child's control API. Returns the module's base URL.
 */
export async function connectTenant(
  app: AdminDriver,
  emulator: EmulatorProcess,
  directory: { tenantId: string; clientId: string },
  pbx: { tenant: { id: string }; adminToken: string },
  options: { permissions?: string[]; settings?: Record<string, unknown> } = {},
): Promise<string> {
  const target = { tenant: directory.tenantId, clientId: directory.clientId };
  return connectTenantTo(
    app,
    directory,
    {
      addCertificate: (pem) => emulator.control('addCertificate', { ...target, pem }),
      grantPermissions: (permissions) => emulator.control('grantPermissions', { ...target, permissions }),
    },
    pbx,
    options,
  );
}

/** Runs `work` over `items` with at most `concurrency` in flight (for bulk control calls). */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
