import { Controller, Get, Headers, UnauthorizedException } from '@nestjs/common';
import { HostDatabase } from './database/host-database';
import { bearerToken } from './ports/admin-access.adapter';
import { SessionsAdapter } from './ports/sessions.adapter';

/** The PBX's own "who am I": what a portal shows after any sign-in, Microsoft's included. */
@Controller('api/me')
export class MeController {
  constructor(
    private readonly sessions: SessionsAdapter,
    private readonly db: HostDatabase,
  ) {}

  @Get()
  async me(@Headers('authorization') authorization?: string) {
    const session = await this.sessions.resolve(bearerToken({ headers: { authorization } }));
    if (!session) throw new UnauthorizedException();
    const [user] = await this.db.query<{ display_name: string; extension: string | null }>(
      'select display_name, extension from pbx_users where id = ?',
      [session.userId],
    );
    return { ...session, displayName: user?.display_name ?? null, extension: user?.extension ?? null };
  }
}
