/**
 * The host PBX as `npm start` runs it (apps/pbx-host/src/start-host.ts: configuration from the environment,
 * migrations, the bootstrap admin, HTTP), compiled with the host (bench/tsconfig.host.json → dist/bench/host), with
 * one difference: the Microsoft 365 module is pointed at the benchmark's emulator, as apps/pbx-host/src/demo.ts
 * points it at its own (`endpoints` and `trustedCaPem`), since the host reads no endpoint overrides from the
 * environment. Everything else keeps the module's production defaults.
 *
 *   BENCH_EMULATOR_URL       the emulator's base URL (authority and Graph)
 *   BENCH_EMULATOR_CA_FILE   the emulator's CA certificate (PEM)
 *   BENCH_SIGN_IN_LIMIT      sign-ins per minute from one address (the module's `rateLimits.signIn`, default 30):
 *                            the SSO bench signs hundreds of users in from 127.0.0.1; the guard still runs
 *
 * Started by bench/support/compiled-host.ts with an IPC channel: sends `{ port }` once it listens.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { startHost } from '../../apps/pbx-host/src/start-host';

async function main(): Promise<void> {
  const url = process.env.BENCH_EMULATOR_URL;
  const caFile = process.env.BENCH_EMULATOR_CA_FILE;
  if (!url || !caFile) throw new Error('BENCH_EMULATOR_URL and BENCH_EMULATOR_CA_FILE are required');
  const signInLimit = Number(process.env.BENCH_SIGN_IN_LIMIT ?? '');
  const { app } = await startHost(
    process.env,
    {
      endpoints: { authorityBaseUrl: url, graphBaseUrl: url },
      trustedCaPem: [readFileSync(caFile, 'utf8')],
      ...(signInLimit > 0 ? { rateLimits: { signIn: { limit: signInLimit, windowSeconds: 60 } } } : {}),
    },
    'warn',
  );
  const address = (app.getHttpServer() as { address(): AddressInfo | string | null }).address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : null });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench host failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
