import './register-aliases';
import { startEmbeddedDatabase } from '@pbx/host/database/embedded-database';
import { createTemporaryDirectory } from '@pbx/host/database/temporary-directory';
import { newReportFile, RELIABILITY_REPORT_ENV } from './reliability-report';
import { TEST_SERVER_URL_ENV } from './test-env';

interface RunningCluster {
  stop(): Promise<void>;
  directory: string;
}

/** Shared with global-teardown, which Jest runs in this same process. */
export const CLUSTER_KEY = '__pbxTestCluster';
export type GlobalWithCluster = typeof globalThis & { [CLUSTER_KEY]?: RunningCluster };

/**
 * With DATABASE_URL set, the tests use that server. Otherwise one fresh embedded PostgreSQL is started for the
 * whole run, in a temporary folder, tuned for speed over durability. Workers create their own database on it.
 */
export default async function globalSetup(): Promise<void> {
  process.env[RELIABILITY_REPORT_ENV] = newReportFile();
  if (process.env.DATABASE_URL) {
    process.env[TEST_SERVER_URL_ENV] = process.env.DATABASE_URL;
    return;
  }
  const directory = await createTemporaryDirectory('pbx-e2e-');
  const started = Date.now();
  const cluster = await startEmbeddedDatabase({
    directory: `${directory}/pg`,
    persistent: false,
    fast: true,
  });
  process.env[TEST_SERVER_URL_ENV] = cluster.url;
  (globalThis as GlobalWithCluster)[CLUSTER_KEY] = { stop: () => cluster.stop(), directory };
  process.stdout.write(`\nEmbedded PostgreSQL for the e2e run started in ${Date.now() - started} ms\n`);
}
