import { AdminAlertsService } from './alerts/admin-alerts.service';
import { PortalController } from './portal/portal.controller';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE, RouterModule } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from './auth/auth.module';
import { CallStateController } from './calls/call-state.controller';
import { CallsModule } from './calls/calls.module';
import { DndCallStateReporter } from './calls/dnd-call-state.reporter';
import { SessionsModule } from './auth/sessions.module';
import { UniqueViolationFilter } from './common/unique-violation.filter';
import { ContactsModule } from './contacts/contacts.module';
import { type HostConfig } from './config/host-config';
import { HostConfigModule } from './config/host-config.module';
import { DATABASE_SHUTDOWN, DatabaseLifecycle, type DatabaseShutdown } from './database/database-lifecycle';
import { createOrmOptions } from './database/orm-options';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { HostPortsModule } from './microsoft365/host-ports.module';
import { PresenceModule } from './presence/presence.module';
import { RingGroupsModule } from './ring-groups/ring-groups.module';
import { TenantsModule } from './tenants/tenants.module';
import { UsersModule } from './users/users.module';
import { VoicemailController } from './voicemail/voicemail.controller';
import { VoicemailNotifier } from './voicemail/voicemail-notifier.service';
import {
  createValidationPipe,
  Microsoft365Module,
  type Microsoft365ModuleOptions,
  Microsoft365RequestErrorFilter,
} from '@pbx/microsoft365';

/** Path prefix under which the host mounts the Microsoft 365 module's controllers. */
export const MICROSOFT365_API_PREFIX = 'api';

export interface AppModuleOptions {
  /** Validated configuration, with the development secrets filled in (see ensureDevelopmentSecrets). */
  config: HostConfig;
  /** The database to use: DATABASE_URL or the embedded cluster's (see resolveDatabase). */
  databaseUrl: string;
  /** Overrides of the Microsoft 365 module's options (tests: endpoint overrides, a test clock, ...). */
  microsoft365?: Partial<Microsoft365ModuleOptions>;
  /** Runs at shutdown after the ORM closed its connections, e.g. stops an embedded cluster. */
  onDatabaseShutdown?: DatabaseShutdown;
}

/** The module's options as this PBX configures them, before overrides. */
export function microsoft365Options(
  config: HostConfig,
  overrides: Partial<Microsoft365ModuleOptions> = {},
): Microsoft365ModuleOptions {
  return {
    environment: config.environment,
    publicUrl: config.publicUrl,
    routePrefix: `/${MICROSOFT365_API_PREFIX}`,
    ...(config.masterKey ? { masterKey: config.masterKey } : {}),
    ...(config.masterKeyVersion !== undefined ? { masterKeyVersion: config.masterKeyVersion } : {}),
    ...(config.previousMasterKeys ? { previousMasterKeys: config.previousMasterKeys } : {}),
    ...overrides,
  };
}

/** The reference host PBX: its own features, and the Microsoft 365 module mounted as a vendor would. */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    const { config, databaseUrl } = options;
    return {
      module: AppModule,
      imports: [
        HostConfigModule.forRoot(config),
        MikroOrmModule.forRoot({ ...createOrmOptions(databaseUrl), registerRequestContext: true }),
        ScheduleModule.forRoot(),
        AuthModule,
        SessionsModule,
        TenantsModule,
        UsersModule,
        ContactsModule,
        PresenceModule,
        CallsModule,
        RingGroupsModule,
        HealthModule,
        ...(config.metricsEnabled ? [MetricsModule] : []),
        Microsoft365Module.forRootAsync({
          imports: [HostPortsModule],
          useFactory: () => microsoft365Options(config, options.microsoft365),
        }),
        // The vendor decides where the module's API lives: beside the host's own, under /api.
        RouterModule.register([{ path: MICROSOFT365_API_PREFIX, module: Microsoft365Module }]),
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        // Global filters are tried last registered first: the module's (every error under /api/microsoft365 that
        // happens before its controllers, such as a body the parser refuses) is the fallback after the host's own.
        { provide: APP_FILTER, useExisting: Microsoft365RequestErrorFilter },
        { provide: APP_FILTER, useClass: UniqueViolationFilter },
        { provide: DATABASE_SHUTDOWN, useValue: options.onDatabaseShutdown ?? (() => Promise.resolve()) },
        DatabaseLifecycle,
        // Uses the module's GraphMailService, which only modules importing Microsoft365Module see.
        VoicemailNotifier,
        AdminAlertsService,
        // Use the module's TeamsPresenceService, as VoicemailNotifier its GraphMailService.
        DndCallStateReporter,
      ],
      controllers: [VoicemailController, PortalController, CallStateController],
    };
  }
}
