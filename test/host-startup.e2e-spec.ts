import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Starts the real host entry point (`npm run start:dev` without its NODE_ENV) and waits for it to end. */
function startHost(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/pbx-host/src/main.ts'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('starting the reference host', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pbx-start-'));
  });

  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('without NODE_ENV is a production start: without a master key it stops, telling how to make one, and writes nothing', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0' };
    for (const name of ['NODE_ENV', 'PBX_M365_MASTER_KEY', 'DATABASE_URL', 'JEST_WORKER_ID'])
      delete env[name];
    const { code, output } = await startHost(env);
    expect(code).toBe(1);
    expect(output).toContain('PBX_M365_MASTER_KEY is required');
    expect(output).toContain('openssl rand -base64 32');
    // No generated master key beside the (never created) database.
    expect(existsSync(join(dataDir, 'master.key'))).toBe(false);
    expect(readdirSync(dataDir)).toEqual([]);
  }, 90_000);
});
