import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { SessionsModule } from '@pbx/host/auth/sessions.module';
import { TenantsModule } from '@pbx/host/tenants/tenants.module';
import { UserEntity } from '@pbx/host/users/user.entity';
import { UsersController } from '@pbx/host/users/users.controller';
import { UsersService } from '@pbx/host/users/users.service';

@Module({
  imports: [MikroOrmModule.forFeature([UserEntity]), SessionsModule, TenantsModule],
  controllers: [UsersController],
  providers: [UsersService],
  exports: [UsersService],
})
export class UsersModule {}
