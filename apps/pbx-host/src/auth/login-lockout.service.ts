import { EntityManager } from '@mikro-orm/postgresql';
import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { LoginFailureEntity } from './login-failure.entity';

/** Failures allowed before the first lock; then each further failure doubles the lock, up to the maximum. */
const FREE_FAILURES = 5;
const FIRST_LOCK_SECONDS = 30;
const MAX_LOCK_SECONDS = 15 * 60;
/** A name whose last failure is this old starts over. */
const FORGET_AFTER_MS = 24 * 3600_000;

export class LoginLockedException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'Too Many Requests',
        message: `Too many failed sign-ins; try again in ${retryAfterSeconds} seconds`,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/**
 * Lockout with back-off for password login: after five failures in a row, an account name is locked for 30 s,
 * doubling with each further failure up to 15 minutes. Counted per name tried, known or not, so the lock says
 * nothing about which accounts exist; in the database, so it holds across instances.
 */
@Injectable()
export class LoginLockoutService {
  constructor(private readonly em: EntityManager) {}

  async assertUnlocked(sipDomain: string | undefined, username: string, now = new Date()): Promise<void> {
    const row = await this.em.fork().findOne(LoginFailureEntity, { key: lockKey(sipDomain, username) });
    if (row?.lockedUntil && row.lockedUntil > now) {
      throw new LoginLockedException(Math.ceil((row.lockedUntil.getTime() - now.getTime()) / 1000));
    }
  }

  async failed(sipDomain: string | undefined, username: string, now = new Date()): Promise<void> {
    // One statement, so that parallel guesses all count.
    await this.em
      .fork()
      .getConnection()
      .execute(
        `insert into login_failures as f (key, failures, locked_until, last_failure_at) values (?, 1, null, ?)
         on conflict (key) do update set
           failures = case when f.last_failure_at < ? then 1 else f.failures + 1 end,
           last_failure_at = excluded.last_failure_at,
           locked_until = case
             when f.last_failure_at < ? or f.failures + 1 < ? then null
             else ?::timestamptz + least(? * power(2, f.failures + 1 - ?), ?) * interval '1 second'
           end`,
        [
          lockKey(sipDomain, username),
          now,
          new Date(now.getTime() - FORGET_AFTER_MS),
          new Date(now.getTime() - FORGET_AFTER_MS),
          FREE_FAILURES,
          now,
          FIRST_LOCK_SECONDS,
          FREE_FAILURES,
          MAX_LOCK_SECONDS,
        ],
      );
  }

  async succeeded(sipDomain: string | undefined, username: string): Promise<void> {
    await this.em.fork().nativeDelete(LoginFailureEntity, { key: lockKey(sipDomain, username) });
  }
}

function lockKey(sipDomain: string | undefined, username: string): string {
  return createHash('sha256')
    .update(`${(sipDomain ?? '').trim().toLowerCase()}\n${username.trim().toLowerCase()}`)
    .digest('hex');
}
