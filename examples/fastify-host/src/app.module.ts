import { Migrator } from '@mikro-orm/migrations';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, RouterModule } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import {
  Microsoft365Module,
  type Microsoft365ModuleOptions,
  Microsoft365RequestErrorFilter,
  microsoft365Entities,
} from '@pbx/microsoft365';
import { HOST_MIGRATIONS_TABLE, hostMigrations } from './database/host-schema.migration';
import { MeController } from './me.controller';
import { PortsModule } from './ports/ports.module';

export interface ExampleConfig {
  databaseUrl: string;
  /** What the module needs from the PBX: its public URL, the master key, and (tests) the emulator's endpoints. */
  microsoft365: Microsoft365ModuleOptions;
}

/** Where this PBX mounts the module's controllers; the module's `routePrefix` must say the same. */
export const API_PREFIX = 'api';

@Module({})
export class AppModule {
  static forRoot(config: ExampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // 1. MikroORM with the module's entities (this PBX has none of its own: its tables are plain SQL).
        MikroOrmModule.forRoot({
          driver: PostgreSqlDriver,
          clientUrl: config.databaseUrl,
          entities: microsoft365Entities,
          discovery: { requireEntitiesArray: true, disableDynamicFileAccess: true },
          forceUtcTimezone: true,
          extensions: [Migrator],
          // The host's own migrations; the module's run through runMicrosoft365Migrations (main.ts).
          migrations: {
            tableName: HOST_MIGRATIONS_TABLE,
            migrationsList: hostMigrations,
            snapshot: false,
            transactional: true,
            allOrNothing: true,
            silent: true,
          },
        }),
        // 2. The scheduler the module registers its timers with.
        ScheduleModule.forRoot(),
        PortsModule,
        // 3. The module, with a module that provides the six ports.
        Microsoft365Module.forRootAsync({
          imports: [PortsModule],
          useFactory: () => config.microsoft365,
        }),
        // 4. Its controllers under /api, as `routePrefix` says (the redirect URIs for Entra are built from it).
        RouterModule.register([{ path: API_PREFIX, module: Microsoft365Module }]),
      ],
      // 5. Errors before the module's controllers (a body the parser refuses) in the module's error shape.
      providers: [{ provide: APP_FILTER, useExisting: Microsoft365RequestErrorFilter }],
      controllers: [MeController],
    };
  }
}
