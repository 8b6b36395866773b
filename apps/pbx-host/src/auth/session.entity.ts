import { Entity, Enum, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { UserEntity } from '../users/user.entity';
import { UserRole } from '../users/user-role';
import { randomUUID } from 'node:crypto';

export type SessionClient = 'password' | 'web' | 'app';

/** A bearer session. Only the SHA-256 of the token is stored, so a database dump grants no access. */
@Entity({ tableName: 'sessions' })
export class SessionEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'text', unique: 'sessions_token_hash_unique' })
  tokenHash!: string;

  @ManyToOne({ entity: () => UserEntity, deleteRule: 'cascade', index: 'sessions_user_index' })
  user!: UserEntity;

  /** The role the session was granted (the user's role at password login; the role asked for by SSO). */
  @Enum({ items: () => UserRole, type: 'text' })
  role!: UserRole;

  /** How the session was obtained: password login, or single sign-on from the web or the app. */
  @Property({ type: 'text' })
  client!: SessionClient;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', index: 'sessions_expires_at_index' })
  expiresAt!: Date;
}
