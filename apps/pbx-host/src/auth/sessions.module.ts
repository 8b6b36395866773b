import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { SessionEntity } from './session.entity';
import { SessionGuard } from './session.guard';
import { SessionsService } from './sessions.service';

/** Sessions and the guard that checks them; every feature module with guarded endpoints imports it. */
@Module({
  imports: [MikroOrmModule.forFeature([SessionEntity])],
  providers: [SessionsService, SessionGuard],
  exports: [SessionsService, SessionGuard],
})
export class SessionsModule {}
