import { Logger } from '@nestjs/common';
import { type HostConfig } from '../config/host-config';
import { type DatabaseShutdown } from './database-lifecycle';
import { startEmbeddedDatabase } from './embedded-database';
import { join } from 'node:path';

export interface ResolvedDatabase {
  url: string;
  embedded: boolean;
  stop: DatabaseShutdown;
}

export const EMBEDDED_DATABASE_NAME = 'pbx';

/**
 * DATABASE_URL when set; otherwise a persistent embedded PostgreSQL under `DATA_DIR/postgres`, so a fresh machine
 * needs no database installed and a restart keeps the data.
 */
export async function resolveDatabase(
  config: HostConfig,
  logger = new Logger('Database'),
): Promise<ResolvedDatabase> {
  if (config.databaseUrl) {
    return { url: config.databaseUrl, embedded: false, stop: () => Promise.resolve() };
  }
  const directory = join(config.dataDir, 'postgres');
  logger.log(`DATABASE_URL is not set: starting the embedded PostgreSQL in ${directory}`);
  const database = await startEmbeddedDatabase({ directory, persistent: true });
  return {
    url: await database.createDatabase(EMBEDDED_DATABASE_NAME),
    embedded: true,
    stop: () => database.stop(),
  };
}

/** The URL without its password, for logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      parsed.password = '***';
    }
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
