import { createTemporaryDirectory } from '@pbx/host/database/temporary-directory';
import { findFreePort } from '@pbx/test/support/free-port';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

interface Page<T> {
  items: T[];
  total: number;
}

interface RunView {
  status: string;
  mode: string;
}

interface Ports {
  port: number;
  emulatorPort: number;
}

/** One `npm run demo` process, with everything it printed so far. */
interface Demo {
  child: ChildProcess;
  output: () => string;
  waitFor: (pattern: RegExp, timeoutMs: number) => Promise<RegExpExecArray>;
}

/**
 * What a newcomer does first: `npm run demo`, on free ports and a fresh data folder. It must connect the emulated
 * tenant, sync users and contacts, print what to try next, answer over REST with the synced data and serve the
 * OpenAPI page; SIGTERM to npm stops everything it started; a restart keeps the data and its user sync is
 * incremental.
 */
describe('the demo (npm run demo)', () => {
  let dataDir = '';
  const started: Demo[] = [];

  beforeAll(async () => {
    // Owner-only temp folders are not enough: as root, the embedded PostgreSQL runs as `postgres`.
    dataDir = await createTemporaryDirectory('pbx-demo-e2e-');
  });

  afterAll(async () => {
    for (const demo of started) await stop(demo.child);
    stopLeftoverPostgres(join(dataDir, 'postgres'));
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  function startDemo(port: number, emulatorPort: number, folder = dataDir): Demo {
    // A newcomer's shell: no test database, no test environment.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      DEMO_M365_PORT: String(emulatorPort),
    };
    for (const name of ['DATABASE_URL', 'NODE_ENV', 'PBX_PUBLIC_URL', 'JEST_WORKER_ID', 'LOG_LEVEL'])
      delete env[name];
    env.DATA_DIR = folder;
    // `npm run demo` itself, so the test holds npm's pid, as a terminal or a process manager would.
    const child = spawn('npm', ['run', '--silent', 'demo'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const listeners = new Set<() => void>();
    const append = (chunk: Buffer) => {
      text += chunk.toString();
      listeners.forEach((listener) => listener());
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    child.once('exit', () => listeners.forEach((listener) => listener()));
    const demo: Demo = {
      child,
      output: () => text,
      waitFor: (pattern, timeoutMs) =>
        new Promise((resolve, reject) => {
          const check = () => {
            const match = pattern.exec(text);
            if (match) return done(() => resolve(match));
            if (child.exitCode !== null || child.signalCode !== null)
              done(() =>
                reject(new Error(`The demo ended (${child.exitCode ?? child.signalCode}):\n${tail(text)}`)),
              );
          };
          const timer = setTimeout(
            () => done(() => reject(new Error(`No ${String(pattern)} in ${timeoutMs} ms:\n${tail(text)}`))),
            timeoutMs,
          );
          const done = (settle: () => void) => {
            clearTimeout(timer);
            listeners.delete(check);
            settle();
          };
          listeners.add(check);
          check();
        }),
    };
    started.push(demo);
    return demo;
  }

  /**
   * The emulator takes any free port (DEMO_M365_PORT=0) and the demo prints it. The PBX's port is part of its
   * public URL, so it is chosen here: when another process took it meanwhile, the demo says so and this tries
   * another. A restart asks for the ports of the previous start (the emulated tenant's delta links name its
   * port), and moves only when one was taken.
   */
  async function startOnFreePorts(previous?: Ports): Promise<{ demo: Demo } & Ports> {
    for (let attempt = 1; ; attempt++) {
      const port = attempt === 1 && previous ? previous.port : await findFreePort();
      const demo = startDemo(port, attempt === 1 && previous ? previous.emulatorPort : 0);
      const seen = await demo.waitFor(/Connecting tenant Contoso|Port \d+ \(.+\) is already in use/, 150_000);
      if (!seen[0].startsWith('Port') || attempt >= 5) {
        const emulator = await demo.waitFor(/--cacert \S+ https:\/\/localhost:(\d+)\//, 150_000);
        return { demo, port, emulatorPort: Number(emulator[1]) };
      }
      await stop(demo.child);
    }
  }

  it('sets everything up, shows what to try next, and keeps the data across a restart', async () => {
    const { demo: first, port, emulatorPort } = await startOnFreePorts();
    await first.waitFor(/Try next/, 150_000);
    expect(first.output()).toContain('Connection test: OK');
    expect(first.output()).toMatch(/Syncing users: succeeded/);
    expect(first.output()).toMatch(/Syncing contacts: succeeded/);
    expect(first.output()).toContain('(demo tenant Contoso created)');
    expect(first.output()).toContain('set up by the demo on this first start');
    // Quiet by default: no line per module and route, the demo's own lines first.
    expect(first.output()).not.toMatch(/Mapped \{|RoutesResolver|InstanceLoader/);
    expect(first.output().split('Connecting tenant Contoso')[0]?.split('\n').length).toBeLessThan(12);
    // Whose token the curl lines carry, and the emulator's CA for curl: the printed command works.
    expect(first.output()).toMatch(/the token below is tenant-admin's, the tenant admin of Contoso/);
    const [, caPath = '', countersUrl = ''] =
      /curl --cacert (\S+) (https:\/\/localhost:\d+\/_emulator\/counters)/.exec(first.output()) ?? [];
    expect(await getWithCa(countersUrl, caPath)).toMatchObject({ status: 200 });
    const session = readSession(first.output());
    expect(session.usersUrl.startsWith(`http://localhost:${port}/`)).toBe(true);

    const users = await get<Page<{ id: string; userPrincipalName: string | null }>>(
      session,
      session.usersUrl,
    );
    const synced = users.items.filter((u) => u.userPrincipalName?.endsWith('.onmicrosoft.com'));
    expect(synced.length).toBeGreaterThan(0);
    // 300 in the emulated tenant, less guests, disabled and nameless accounts; plus the demo's own four.
    expect(users.total).toBeGreaterThan(250);
    const someone = synced[0]?.id ?? '';
    const personal = await get<Page<unknown>>(session, `${session.usersUrl}/${someone}/contacts`);
    expect(personal.total).toBeGreaterThan(0);
    const company = await get<Page<unknown>>(session, session.usersUrl.replace(/\/users$/, '/contacts'));
    expect(company.total).toBeGreaterThan(1);

    const docs = await fetch(`http://localhost:${port}/api/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
    const openApi = (await (await fetch(`http://localhost:${port}/api/docs-json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(openApi.paths)).toEqual(
      expect.arrayContaining([
        '/api/microsoft365/tenants/{pbxTenantId}/user-sync/runs',
        '/api/microsoft365/tenants/{pbxTenantId}/contact-sync/runs',
      ]),
    );

    // A second demo while this one runs: one sentence naming the port and the variable that moves it, no stack.
    const again1 = startDemo(port, emulatorPort);
    await waitUntil(() => again1.child.exitCode !== null, 60_000);
    expect(again1.child.exitCode).toBe(1);
    expect(again1.output()).toContain(
      `Port ${emulatorPort} (the emulated Microsoft 365) is already in use: is another "npm run demo" running?`,
    );
    expect(again1.output()).toContain('DEMO_M365_PORT=<free port> npm run demo');
    expect(again1.output()).not.toMatch(/\n\s+at /);
    const otherFolder = await createTemporaryDirectory('pbx-demo-e2e-second-');
    try {
      const again2 = startDemo(port, 0, otherFolder);
      await waitUntil(() => again2.child.exitCode !== null, 120_000);
      expect(again2.output()).toContain(`Port ${port} (the demo PBX) is already in use`);
      expect(again2.output()).toContain('PORT=<free port> npm run demo');
      expect(again2.output()).not.toMatch(/\n\s+at /);
    } finally {
      stopLeftoverPostgres(join(otherFolder, 'postgres'));
      await rm(otherFolder, { recursive: true, force: true });
    }

    // The admin changes what the demo set up: a restart must keep it.
    const admin = (path: string, body: unknown) =>
      fetch(`${session.moduleUrl}${path}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((response) => expect(response.status).toBe(200));
    await admin('/contact-sync/settings', { schedule: 'OFF' });
    await admin('/settings', { features: { singleSignOn: false } });
    await admin('/sso', { users: { enabled: false } });
    await admin('/user-sync/settings', { scheduleCron: '0 3 * * *' });

    // SIGTERM to npm (a process manager, `kill`, or Ctrl+C in a terminal): the demo shuts down by itself, the
    // PBX, the emulator and the embedded PostgreSQL included, and nothing it started is left running.
    const processes = descendants(first.child.pid ?? -1);
    expect(processes.some((p) => p.command.includes('postgres'))).toBe(true);
    expect(processes.some((p) => p.command.includes('demo.ts'))).toBe(true);
    await stop(first.child);
    expect(first.child.signalCode).not.toBe('SIGKILL');
    await waitUntil(() => processes.every((p) => !alive(p.pid)), 20_000);
    expect(processes.filter((p) => alive(p.pid))).toEqual([]);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    for (const freed of [port, emulatorPort]) expect(await canListen(freed)).toBe(true);

    const { demo: second } = await startOnFreePorts({ port, emulatorPort });
    await second.waitFor(/Try next/, 120_000);
    expect(second.output()).toContain('(existing data kept)');
    const again = readSession(second.output());
    expect(new URL(again.usersUrl).pathname).toBe(new URL(session.usersUrl).pathname);
    expect(await get(again, `${again.moduleUrl}/contact-sync/settings`)).toMatchObject({ schedule: 'OFF' });
    expect(await get(again, `${again.moduleUrl}/settings`)).toMatchObject({
      features: { singleSignOn: false },
    });
    expect(await get(again, `${again.moduleUrl}/sso`)).toMatchObject({ users: { enabled: false } });
    expect(await get(again, `${again.moduleUrl}/user-sync/settings`)).toMatchObject({
      scheduleCron: '0 3 * * *',
    });
    expect(second.output()).toContain('kept as they were');
    const after = await get<Page<{ id: string }>>(again, again.usersUrl);
    expect(after.total).toBe(users.total);
    const personalAfter = await get<Page<unknown>>(again, `${again.usersUrl}/${someone}/contacts`);
    expect(personalAfter.total).toBe(personal.total);
    // Newest first: the restart's run read only the changes since the first start's full pass.
    const runs = await get<RunView[]>(again, again.runsUrl);
    expect(runs[0]).toMatchObject({ status: 'SUCCEEDED', mode: 'INCREMENTAL' });
    expect(runs.at(-1)).toMatchObject({ status: 'SUCCEEDED', mode: 'FULL' });
    // Four starts of ts-node on 2 cores, next to the other suites: about 5 minutes under load.
  }, 600_000);
});

/** The tenant admin's bearer token and URLs from the "Try next" lines. */
function readSession(output: string): {
  token: string;
  usersUrl: string;
  runsUrl: string;
  moduleUrl: string;
} {
  const users = /synced users: +curl -H "Authorization: Bearer ([^"]+)" (\S+)/.exec(output);
  const runs = /run history: +curl -H "Authorization: Bearer [^"]+" (\S+)/.exec(output);
  expect(users && runs).toBeTruthy();
  const runsUrl = runs?.[1] ?? '';
  return {
    token: users?.[1] ?? '',
    usersUrl: users?.[2] ?? '',
    runsUrl,
    moduleUrl: runsUrl.replace(/\/user-sync\/runs$/, ''),
  };
}

/** GET over HTTPS trusting only the given CA file, as `curl --cacert` does. */
function getWithCa(url: string, caPath: string): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca: readFileSync(caPath) }, (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0 });
    }).on('error', reject);
  });
}

async function get<T>(session: { token: string }, url: string): Promise<T> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${session.token}` } });
  const text = await response.text();
  expect({ url, status: response.status }).toEqual({ url, status: 200 });
  return JSON.parse(text) as T;
}

/** SIGTERM (the demo closes HTTP, the ORM and its embedded PostgreSQL), then SIGKILL if it hangs. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** After a SIGKILL the embedded cluster may outlive the demo: stop it by the pid it recorded. */
function stopLeftoverPostgres(clusterDir: string): void {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

/** Every process below `pid` (from /proc), with its command line. */
function descendants(pid: number): { pid: number; command: string }[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent is the 4th field after the command name, which is in parentheses and may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const found: { pid: number; command: string }[] = [];
  const visit = (parent: number) => {
    for (const [child, ppid] of parentOf) {
      if (ppid !== parent) continue;
      let command = '';
      try {
        command = readFileSync(`/proc/${child}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        // Ended meanwhile.
      }
      found.push({ pid: child, command });
      visit(child);
    }
  };
  visit(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 100));
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function tail(text: string): string {
  return text.slice(-3_000);
}
