import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, UnauthorizedException } from '@nestjs/common';
import { type Actor } from './actor';
import { type LoginDto } from './dto/login.dto';
import { type LoginResponse, type MeResponse } from './dto/session.response';
import { dummyPasswordHash, verifyPassword } from './password-hasher';
import { LoginLockoutService } from './login-lockout.service';
import { SessionsService } from './sessions.service';
import { TenantsService } from '../tenants/tenants.service';
import { UserResponse } from '../users/dto/user.response';
import { UserEntity } from '../users/user.entity';

const INVALID = 'Invalid username, password or SIP domain';

@Injectable()
export class AuthService {
  constructor(
    private readonly em: EntityManager,
    private readonly tenants: TenantsService,
    private readonly sessions: SessionsService,
    private readonly lockout: LoginLockoutService,
  ) {}

  /**
   * Password login. Every failure (unknown domain or user, wrong password, disabled, no password) answers the
   * same 401 after the same amount of work, so the answer reveals nothing about which accounts exist. Repeated
   * failures lock the name tried (known or not) with back-off: 429 with Retry-After.
   */
  async login(input: LoginDto): Promise<LoginResponse> {
    await this.lockout.assertUnlocked(input.sipDomain, input.username);
    const tenant = input.sipDomain ? await this.tenants.findBySipDomain(input.sipDomain) : null;
    const user =
      input.sipDomain && !tenant
        ? null
        : await this.em.findOne(UserEntity, { tenant: tenant?.id ?? null, username: input.username });
    const valid = await verifyPassword(input.password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user || !valid || !user.enabled || user.passwordHash === null) {
      await this.lockout.failed(input.sipDomain, input.username);
      throw new UnauthorizedException(INVALID);
    }
    await this.lockout.succeeded(input.sipDomain, input.username);
    const session = await this.sessions.issue(user.id, user.role, 'password');
    return { ...session, user: UserResponse.from(user) };
  }

  async me(actor: Actor): Promise<MeResponse> {
    const user = await this.em.findOneOrFail(UserEntity, { id: actor.userId });
    return { user: UserResponse.from(user), session: { role: actor.role, tenantId: actor.tenantId } };
  }
}
