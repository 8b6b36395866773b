import { Module } from '@nestjs/common';
import { PresenceModule } from '../presence/presence.module';
import { CallStatesService } from './call-states.service';

@Module({
  imports: [PresenceModule],
  providers: [CallStatesService],
  exports: [CallStatesService],
})
export class CallsModule {}
