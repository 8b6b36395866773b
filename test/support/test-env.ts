/** Environment variables global-setup hands to the workers. */
export const TEST_SERVER_URL_ENV = 'PBX_TEST_SERVER_URL';

/** The database of this Jest worker: one per worker, so test files in parallel never share data. */
export function workerDatabaseName(): string {
  return `pbx_test_${process.env.JEST_WORKER_ID ?? '1'}`;
}

/** The URL of `database` on the server of `serverUrl`. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
