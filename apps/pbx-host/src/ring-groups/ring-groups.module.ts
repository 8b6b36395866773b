import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { SessionsModule } from '../auth/sessions.module';
import { TenantsModule } from '../tenants/tenants.module';
import { RingGroupEntity } from './ring-group.entity';
import { RingGroupsController } from './ring-groups.controller';
import { RingGroupsService } from './ring-groups.service';

@Module({
  imports: [MikroOrmModule.forFeature([RingGroupEntity]), SessionsModule, TenantsModule],
  controllers: [RingGroupsController],
  providers: [RingGroupsService],
  exports: [RingGroupsService],
})
export class RingGroupsModule {}
