import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { SessionsModule } from '@pbx/host/auth/sessions.module';
import { PresenceController } from '@pbx/host/presence/presence.controller';
import { PresenceEntity } from '@pbx/host/presence/presence.entity';
import { PresenceService } from '@pbx/host/presence/presence.service';
import { UsersModule } from '@pbx/host/users/users.module';

@Module({
  imports: [MikroOrmModule.forFeature([PresenceEntity]), SessionsModule, UsersModule],
  controllers: [PresenceController],
  providers: [PresenceService],
  exports: [PresenceService],
})
export class PresenceModule {}
