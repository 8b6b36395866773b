import { type INestApplication, Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { ensureDevelopmentSecrets } from './config/development-secrets';
import { type HostConfig, parseHostConfig } from './config/host-config';
import { redactDatabaseUrl, resolveDatabase } from './database/resolve-database';
import { createHostLogger } from './host-logger';
import { prepareHost } from './host-startup';
import { API_DOCS_PATH, configureHttpApp } from './http-app';
import { installPrometheusMetrics } from './metrics/prometheus-metrics';
import { type Microsoft365ModuleOptions } from '@pbx/microsoft365';

export interface StartedHost {
  app: INestApplication;
  config: HostConfig;
  /** The generated password of a system admin created on this start, to show once; otherwise undefined. */
  newAdminPassword?: string;
}

/**
 * Everything `npm start` does: configuration, development secrets, the database (embedded unless DATABASE_URL),
 * migrations, the bootstrap admin, HTTP. Shared by main.ts and demo.ts.
 */
export async function startHost(
  env: NodeJS.ProcessEnv = process.env,
  microsoft365?: Partial<Microsoft365ModuleOptions>,
  defaultLogLevel: LogLevel = 'log',
): Promise<StartedHost> {
  const hostLogger = createHostLogger(env, defaultLogLevel);
  Logger.overrideLogger(hostLogger);
  const logger = new Logger('Main');
  const { config, generatedAdminPassword, generatedMasterKeyFile } = await ensureDevelopmentSecrets(
    parseHostConfig(env),
  );
  if (generatedMasterKeyFile) {
    logger.warn(
      `Generated a development master key in ${generatedMasterKeyFile}. Keep it: without it the stored Microsoft ` +
        '365 secrets cannot be decrypted. Production requires PBX_M365_MASTER_KEY.',
    );
  }

  // Before anything records: the module's metrics go to whatever meter provider is registered (none: no-ops).
  if (config.metricsEnabled) installPrometheusMetrics();

  const database = await resolveDatabase(config);
  logger.log(`Database: ${redactDatabaseUrl(database.url)}${database.embedded ? ' (embedded)' : ''}`);
  try {
    const app = await NestFactory.create(
      AppModule.forRoot({
        config,
        databaseUrl: database.url,
        onDatabaseShutdown: database.stop,
        ...(microsoft365 ? { microsoft365 } : {}),
      }),
      { logger: hostLogger },
    );
    // SIGTERM/SIGINT close the app: HTTP server, schedules, ORM, then the embedded cluster (DatabaseLifecycle);
    // then the process ends with exit code 0, so `docker stop` and process managers see a clean stop.
    app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
    configureHttpApp(app, { swagger: true, serverTiming: config.serverTimingEnabled });
    const { adminCreated } = await prepareHost(app);
    await app.listen(config.port);
    logger.log(
      `Host PBX listening on port ${config.port}: ${config.publicUrl} (API docs: /${API_DOCS_PATH})`,
    );
    return {
      app,
      config,
      ...(adminCreated && generatedAdminPassword ? { newAdminPassword: generatedAdminPassword } : {}),
    };
  } catch (error) {
    await database.stop();
    throw error;
  }
}
