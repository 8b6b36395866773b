import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { SessionEntity } from '@pbx/host/auth/session.entity';
import { SessionGuard } from '@pbx/host/auth/session.guard';
import { SessionsService } from '@pbx/host/auth/sessions.service';

/** Sessions and the guard that checks them; every feature module with guarded endpoints imports it. */
@Module({
  imports: [MikroOrmModule.forFeature([SessionEntity])],
  providers: [SessionsService, SessionGuard],
  exports: [SessionsService, SessionGuard],
})
export class SessionsModule {}
