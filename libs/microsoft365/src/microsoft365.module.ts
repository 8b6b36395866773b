import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { TenantAdminGuard } from '@pbx/microsoft365/access/tenant-admin.guard';
import { CLOCK, systemClock } from '@pbx/microsoft365/common/clock';
import { ConnectionTestService } from '@pbx/microsoft365/connection/connection-test.service';
import { Microsoft365Events } from '@pbx/microsoft365/events/microsoft365-events.service';
import { AppTokenProvider } from '@pbx/microsoft365/graph/app-token.provider';
import { GraphApi } from '@pbx/microsoft365/graph/graph-api.service';
import {
  GraphClientProvider,
  graphResilienceSettingsProvider,
} from '@pbx/microsoft365/graph/graph-client.provider';
import { HttpTransport } from '@pbx/microsoft365/graph/http-transport.provider';
import { TenantTokenService } from '@pbx/microsoft365/graph/tenant-token.service';
import { KeyExpiryMonitor } from '@pbx/microsoft365/keys/key-expiry-monitor.service';
import { KeyManagementService } from '@pbx/microsoft365/keys/key-management.service';
import { SecretBox } from '@pbx/microsoft365/keys/secret-box.service';
import { TenantCertificateService } from '@pbx/microsoft365/keys/tenant-certificate.service';
import { microsoft365Entities } from '@pbx/microsoft365/microsoft365.entities';
import { type Microsoft365ModuleOptions } from '@pbx/microsoft365/microsoft365-module-options';
import {
  MICROSOFT365_OPTIONS,
  Microsoft365ConfigurableModule,
} from '@pbx/microsoft365/microsoft365.module-definition';
import { TenantSettingsController } from '@pbx/microsoft365/settings/tenant-settings.controller';
import { TenantSettingsService } from '@pbx/microsoft365/settings/tenant-settings.service';

/**
 * Connects each PBX tenant to Microsoft 365. Import it once with `forRoot`/`forRootAsync`, passing a module that
 * provides the ports (see `ports/`). It registers no global guards, pipes or filters, and runs no migrations by
 * itself: the host runs `microsoft365Migrations` at start-up.
 */
@Module({
  imports: [MikroOrmModule.forFeature(microsoft365Entities)],
  controllers: [TenantSettingsController],
  providers: [
    {
      provide: CLOCK,
      inject: [MICROSOFT365_OPTIONS],
      useFactory: (options: Microsoft365ModuleOptions) => options.clock ?? systemClock,
    },
    graphResilienceSettingsProvider,
    SecretBox,
    HttpTransport,
    AppTokenProvider,
    TenantTokenService,
    GraphClientProvider,
    GraphApi,
    KeyManagementService,
    KeyExpiryMonitor,
    TenantCertificateService,
    TenantSettingsService,
    ConnectionTestService,
    Microsoft365Events,
    TenantAdminGuard,
  ],
  exports: [Microsoft365Events],
})
export class Microsoft365Module extends Microsoft365ConfigurableModule {}
