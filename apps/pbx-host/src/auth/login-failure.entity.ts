import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** Failed password logins in a row for one account name (known or not), and until when it is locked. */
@Entity({ tableName: 'login_failures' })
export class LoginFailureEntity {
  /** SHA-256 of the lower-cased SIP domain and username: the name tried, never stored in clear. */
  @PrimaryKey({ type: 'text' })
  key!: string;

  @Property({ type: 'integer' })
  failures!: number;

  @Property({ type: 'datetime', nullable: true })
  lockedUntil: Date | null = null;

  @Property({ type: 'datetime' })
  lastFailureAt!: Date;
}
