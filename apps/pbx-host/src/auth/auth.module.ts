import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { AuthController } from '@pbx/host/auth/auth.controller';
import { AuthService } from '@pbx/host/auth/auth.service';
import { SessionsModule } from '@pbx/host/auth/sessions.module';
import { SystemAdminBootstrap } from '@pbx/host/auth/system-admin.bootstrap';
import { TenantsModule } from '@pbx/host/tenants/tenants.module';
import { UserEntity } from '@pbx/host/users/user.entity';

@Module({
  imports: [MikroOrmModule.forFeature([UserEntity]), SessionsModule, TenantsModule],
  controllers: [AuthController],
  providers: [AuthService, SystemAdminBootstrap],
  exports: [SystemAdminBootstrap],
})
export class AuthModule {}
