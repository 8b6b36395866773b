/**
 * The PBX host as production runs it: `node dist/bench/host/bench-host.main.js`, the compiled build of
 * apps/pbx-host (the start function of `npm start`), in a process of its own, on the benchmark's database, with the
 * Microsoft 365 module pointed at the emulator child. The benches talk to it over HTTP (the admin REST API) and read
 * its memory and CPU from /proc, so its figures contain nothing of ts-node, supertest or the bench driver.
 */
import { findFreePort } from '@pbx/host/database/embedded-database';
import { type AdminDriver } from '@pbx/test/support/microsoft365-test-env';
import { fork, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { log } from './bench.measurement';
import { cpuProfileArgs, type EmulatorProcess, stopChild } from './emulator.process';
import { type ProcMemory, readProcMemory } from './proc-stats';

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
export const COMPILED_ENTRY = join(DIST, 'bench', 'host', 'bench-host.main.js');
const STAMP = join(DIST, 'bench', 'host', 'build-stamp.json');
/** What the compiled host is built from: newer than the stamp, the build runs again. */
const SOURCES = ['apps', 'libs/microsoft365/src', 'libs/m365-emulator/src', 'bench/host'];
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json', 'bench/tsconfig.host.json'];
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 15_000;
export const HOST_ADMIN_PASSWORD = 'bench-admin-password';

/**
 * The environment the production image gives the host: the `ENV` lines of the Dockerfile's last stage (such as
 * `MALLOC_ARENA_MAX`, which decides how much freed memory stays resident), so the bench measures what runs there.
 */
export function productionImageEnv(
  dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8'),
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of dockerfile.split('\n')) {
    const instruction = /^\s*(FROM|ENV)\s+(\S+)/i.exec(line);
    if (!instruction) continue;
    if (instruction[1]?.toUpperCase() === 'FROM') {
      for (const name of Object.keys(env)) delete env[name];
      continue;
    }
    const [name = '', ...value] = (instruction[2] ?? '').split('=');
    if (name) env[name] = value.join('=');
  }
  return env;
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return path.endsWith('.spec.ts') ? 0 : stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'dist' || entry === 'node_modules') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${String(result.status)})`);
}

/**
 * Builds the packages and the host (`npm run build`'s steps, the host through bench/tsconfig.host.json so the
 * bench entry is compiled with it) when dist/ is missing or older than a source; then links dist/node_modules/@pbx/*
 * to this checkout's packages, so the compiled host loads this checkout's module even where the root node_modules
 * is shared with another checkout (a git worktree). Node resolves dist/node_modules before the root's.
 */
export function ensureCompiledHost(): string {
  const newest = Math.max(
    ...SOURCES.map((source) => newestMtime(join(ROOT, source))),
    ...CONFIGS.map((config) => statSync(join(ROOT, config)).mtimeMs),
  );
  const built = existsSync(STAMP) ? (JSON.parse(readFileSync(STAMP, 'utf8')) as { sources: number }) : null;
  if (!existsSync(COMPILED_ENTRY) || !built || built.sources < newest) {
    const started = Date.now();
    log('building the packages and the host (dist/ missing or older than the sources) ...');
    run('npm', ['run', 'build', '--workspaces']);
    run(process.execPath, [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      'bench/tsconfig.host.json',
    ]);
    writeFileSync(STAMP, JSON.stringify({ sources: newest, builtAt: new Date().toISOString() }));
    log(`built in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  const scope = join(DIST, 'node_modules', '@pbx');
  mkdirSync(scope, { recursive: true });
  for (const name of ['microsoft365', 'm365-emulator']) {
    if (!existsSync(join(scope, name))) symlinkSync(join(ROOT, 'libs', name), join(scope, name), 'dir');
  }
  return COMPILED_ENTRY;
}

export interface HostResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: unknown;
}

export interface CompiledHost {
  readonly pid: number;
  readonly baseUrl: string;
  /** The bootstrap system admin's session token. */
  systemToken(): Promise<string>;
  /** One HTTP request to the host; `token` as a bearer token, `form` as a urlencoded body. */
  call(
    method: string,
    path: string,
    options?: { token?: string; json?: unknown; form?: Record<string, string>; cookie?: string },
  ): Promise<HostResponse>;
  /** The admin REST API in the shape test/support's connectTenantTo drives. */
  admin: AdminDriver;
  createTenantWithAdmin(): Promise<{ tenant: { id: string; sipDomain: string }; adminToken: string }>;
  memory(): ProcMemory;
  close(): Promise<void>;
}

export interface HostOptions {
  databaseUrl: string;
  emulator: EmulatorProcess;
  /** Extra environment (e.g. LOG_LEVEL); the rest is what production needs. */
  env?: Record<string, string>;
  /** Node flags for the host (none by default, as `npm start`; `--cpu-prof` with BENCH_CPU_PROF_DIR). */
  execArgv?: string[];
}

let tenantCounter = 0;

export async function startCompiledHost(options: HostOptions): Promise<CompiledHost> {
  const entry = ensureCompiledHost();
  const dataDir = await mkdtemp(join(tmpdir(), 'pbx-bench-host-'));
  const caFile = join(dataDir, 'emulator-ca.pem');
  await writeFile(caFile, options.emulator.caPem);
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...productionImageEnv(),
    NODE_ENV: 'production',
    PORT: String(port),
    PBX_PUBLIC_URL: baseUrl,
    DATABASE_URL: options.databaseUrl,
    DATA_DIR: dataDir,
    PBX_M365_MASTER_KEY: randomBytes(32).toString('base64'),
    PBX_ADMIN_PASSWORD: HOST_ADMIN_PASSWORD,
    LOG_LEVEL: 'warn',
    BENCH_EMULATOR_URL: options.emulator.baseUrl,
    BENCH_EMULATOR_CA_FILE: caFile,
    ...options.env,
  };
  const child = fork(entry, [], {
    cwd: dataDir,
    env,
    execArgv: options.execArgv ?? cpuProfileArgs('host'),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the compiled host did not start in time'));
    }, START_TIMEOUT_MS);
    child.once('message', () => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the compiled host exited with ${String(code)} before it listened`));
    });
  });
  const pid = child.pid ?? 0;
  log(`compiled host (pid ${pid}) listening on ${baseUrl} after ${Date.now() - started} ms`);
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 32 });

  const call: CompiledHost['call'] = async (method, path, callOptions = {}) => {
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (callOptions.token) headers.authorization = `Bearer ${callOptions.token}`;
    if (callOptions.cookie) headers.cookie = callOptions.cookie;
    if (callOptions.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(callOptions.form).toString();
    } else if (callOptions.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(callOptions.json);
    }
    const response = await request(`${baseUrl}${path}`, { method, headers, body, dispatcher: agent });
    const text = await response.body.text();
    let parsed: unknown = undefined;
    if (String(response.headers['content-type'] ?? '').includes('json') && text !== '')
      parsed = JSON.parse(text);
    return { status: response.statusCode, headers: response.headers, text, body: parsed };
  };
  const expect = async (status: number, what: string, pending: Promise<HostResponse>) => {
    const response = await pending;
    if (response.status !== status)
      throw new Error(`${what}: expected ${status}, got ${response.status} ${response.text.slice(0, 500)}`);
    return response;
  };
  const login = async (username: string, password: string, sipDomain?: string): Promise<string> => {
    const json = { username, password, ...(sipDomain ? { sipDomain } : {}) };
    const response = await expect(200, `login of ${username}`, call('POST', '/api/auth/login', { json }));
    return (response.body as { token: string }).token;
  };
  const admin: AdminDriver = {
    as: (token) => ({
      patch: (url) => ({
        send: (json) => ({
          expect: (status) => expect(status, `PATCH ${url}`, call('PATCH', url, { token, json })),
        }),
      }),
      post: (url) => ({
        expect: (status) => expect(status, `POST ${url}`, call('POST', url, { token, json: {} })),
      }),
    }),
  };
  let system: string | undefined;
  const systemToken = async () => (system ??= await login('admin', HOST_ADMIN_PASSWORD));

  return {
    pid,
    baseUrl,
    systemToken,
    call,
    admin,
    // What test/support/create-test-app's createTenantWithAdmin does, over the host's REST API.
    createTenantWithAdmin: async () => {
      const token = await systemToken();
      const n = ++tenantCounter;
      const tenant = (
        await expect(
          201,
          'create tenant',
          call('POST', '/api/tenants', {
            token,
            json: { name: `Bench ${n}`, sipDomain: `bench${n}.pbx.test`, timeZone: 'Europe/Berlin' },
          }),
        )
      ).body as { id: string; sipDomain: string };
      const password = 'bench-user-password';
      await expect(
        201,
        'create tenant admin',
        call('POST', `/api/tenants/${tenant.id}/users`, {
          token,
          json: {
            username: `admin${n}`,
            extension: '999',
            displayName: `Admin ${n}`,
            email: `admin${n}@bench.test`,
            role: 'tenant-admin',
            password,
          },
        }),
      );
      return { tenant, adminToken: await login(`admin${n}`, password, tenant.sipDomain) };
    },
    memory: () => readProcMemory(pid),
    close: async () => {
      process.removeListener('exit', killOnExit);
      await agent.close();
      if (child.exitCode === null && child.signalCode === null) await stopChild(child, STOP_TIMEOUT_MS);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
