import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { type Actor } from './actor';
import { type SessionClient, SessionEntity } from './session.entity';
import { generateSessionToken, hashSessionToken } from './session-token';
import { HOST_CONFIG, type HostConfig } from '../config/host-config';
import { type UserRole } from '../users/user-role';
import { randomUUID } from 'node:crypto';

export interface IssuedSession {
  token: string;
  expiresAt: Date;
}

/** The host's bearer sessions, for password login and (through the sessions port) Microsoft sign-in alike. */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger(SessionsService.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(HOST_CONFIG) private readonly config: HostConfig,
  ) {}

  async issue(userId: string, role: UserRole, client: SessionClient): Promise<IssuedSession> {
    const token = generateSessionToken();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.config.sessionTtlMinutes * 60_000);
    // A native insert: issuing a session must not flush whatever else the caller's unit of work holds.
    await this.em.insert(SessionEntity, {
      id: randomUUID(),
      tokenHash: hashSessionToken(token),
      user: userId,
      role,
      client,
      createdAt: now,
      expiresAt,
    });
    return { token, expiresAt };
  }

  /** The actor behind a token, or null when it is unknown, expired, or its user is disabled. */
  async resolve(token: string): Promise<Actor | null> {
    const session = await this.em.findOne(
      SessionEntity,
      { tokenHash: hashSessionToken(token), expiresAt: { $gt: new Date() } },
      { populate: ['user'] },
    );
    if (!session || !session.user.enabled) {
      return null;
    }
    return {
      sessionId: session.id,
      userId: session.user.id,
      username: session.user.username,
      displayName: session.user.displayName,
      role: session.role,
      tenantId: session.user.tenant?.id ?? null,
    };
  }

  async revoke(token: string): Promise<void> {
    await this.em.nativeDelete(SessionEntity, { tokenHash: hashSessionToken(token) });
  }

  async revokeById(sessionId: string): Promise<void> {
    await this.em.nativeDelete(SessionEntity, { id: sessionId });
  }

  /** Signs a user out everywhere: after disabling, a role change or a new password. */
  async revokeAllOfUser(userId: string): Promise<void> {
    await this.em.nativeDelete(SessionEntity, { user: userId });
  }

  @Cron(CronExpression.EVERY_HOUR, { name: 'pbx-purge-expired-sessions' })
  async purgeExpired(): Promise<void> {
    const removed = await this.em.fork().nativeDelete(SessionEntity, { expiresAt: { $lte: new Date() } });
    if (removed > 0) {
      this.logger.log(`Removed ${removed} expired session(s)`);
    }
  }
}
