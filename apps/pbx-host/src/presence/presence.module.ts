import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { SessionsModule } from '../auth/sessions.module';
import { PresenceController } from './presence.controller';
import { PresenceEntity } from './presence.entity';
import { PresenceService } from './presence.service';
import { UsersModule } from '../users/users.module';

@Module({
  imports: [MikroOrmModule.forFeature([PresenceEntity]), SessionsModule, UsersModule],
  controllers: [PresenceController],
  providers: [PresenceService],
  exports: [PresenceService],
})
export class PresenceModule {}
