import { MikroORM } from '@mikro-orm/postgresql';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { MICROSOFT365_REQUEST_BODY_LIMIT, runMicrosoft365Migrations } from '@pbx/microsoft365';
import { AppModule, type ExampleConfig } from './app.module';

/**
 * The start-up order the module needs: create the app (the ORM connects), run the module's migrations and the
 * host's, then `listen()`, which runs the modules' init hooks (the module's schedulers start there) and serves.
 */
export async function createExampleApp(
  config: ExampleConfig,
  listen: { port: number; host: string },
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    // The module's largest request body: 10,000 selected users of up to 256 characters each (README, step 2).
    new FastifyAdapter({ bodyLimit: MICROSOFT365_REQUEST_BODY_LIMIT }),
    { logger: ['error', 'warn'] },
  );
  const orm = app.get(MikroORM);
  await runMicrosoft365Migrations(orm);
  await orm.getMigrator().up();
  app.enableShutdownHooks();
  await app.listen(listen.port, listen.host);
  return app;
}
