import 'reflect-metadata';
import { createExampleApp } from './example-app';

/** DATABASE_URL, PBX_M365_MASTER_KEY (openssl rand -base64 32), PUBLIC_URL and PORT from the environment. */
async function main(): Promise<void> {
  const { DATABASE_URL, PBX_M365_MASTER_KEY, PUBLIC_URL, PORT } = process.env;
  if (!DATABASE_URL || !PBX_M365_MASTER_KEY || !PUBLIC_URL) {
    throw new Error('Set DATABASE_URL, PBX_M365_MASTER_KEY and PUBLIC_URL');
  }
  const port = Number(PORT ?? 3000);
  await createExampleApp(
    {
      databaseUrl: DATABASE_URL,
      microsoft365: {
        environment: 'production',
        masterKey: PBX_M365_MASTER_KEY,
        publicUrl: PUBLIC_URL,
        routePrefix: '/api',
      },
    },
    { port, host: '0.0.0.0' },
  );
  console.log(`Example PBX on Fastify listening on port ${port}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
