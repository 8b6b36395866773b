import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { SessionsModule } from '@pbx/host/auth/sessions.module';
import { TenantEntity } from '@pbx/host/tenants/tenant.entity';
import { TenantsController } from '@pbx/host/tenants/tenants.controller';
import { TenantsService } from '@pbx/host/tenants/tenants.service';

@Module({
  imports: [MikroOrmModule.forFeature([TenantEntity]), SessionsModule],
  controllers: [TenantsController],
  providers: [TenantsService],
  exports: [TenantsService],
})
export class TenantsModule {}
