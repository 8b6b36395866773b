import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { hashPassword } from './password-hasher';
import { HOST_CONFIG, type HostConfig } from '../config/host-config';
import { UserEntity } from '../users/user.entity';
import { UserRole } from '../users/user-role';

export const BOOTSTRAP_ADMIN_USERNAME = 'admin';

/**
 * Creates the system admin `admin` on first start, with the configured password. Once a system admin exists it
 * does nothing, so a changed password is never reset by a restart.
 */
@Injectable()
export class SystemAdminBootstrap {
  private readonly logger = new Logger(SystemAdminBootstrap.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(HOST_CONFIG) private readonly config: HostConfig,
  ) {}

  /** Returns true when it created the admin. */
  async ensureSystemAdmin(): Promise<boolean> {
    const em = this.em.fork();
    if ((await em.count(UserEntity, { role: UserRole.SystemAdmin })) > 0) {
      return false;
    }
    if (!this.config.adminPassword) {
      throw new Error(
        'No system administrator exists yet: set PBX_ADMIN_PASSWORD to the password the first one should get',
      );
    }
    em.create(UserEntity, {
      tenant: null,
      username: BOOTSTRAP_ADMIN_USERNAME,
      role: UserRole.SystemAdmin,
      displayName: 'System administrator',
      passwordHash: await hashPassword(this.config.adminPassword),
    });
    await em.flush();
    this.logger.log(`Created the system administrator "${BOOTSTRAP_ADMIN_USERNAME}"`);
    return true;
  }
}
