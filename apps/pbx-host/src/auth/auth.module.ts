import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginLockoutService } from './login-lockout.service';
import { SessionsModule } from './sessions.module';
import { SystemAdminBootstrap } from './system-admin.bootstrap';
import { TenantsModule } from '../tenants/tenants.module';
import { UserEntity } from '../users/user.entity';

@Module({
  imports: [MikroOrmModule.forFeature([UserEntity]), SessionsModule, TenantsModule],
  controllers: [AuthController],
  providers: [AuthService, LoginLockoutService, SystemAdminBootstrap],
  exports: [SystemAdminBootstrap],
})
export class AuthModule {}
