import { Migration } from '@mikro-orm/migrations';

/** Lockout with back-off for password login. */
export class Migration20261205183000_login_lockout extends Migration {
  override up(): void {
    this.addSql(
      `create table "login_failures" ("key" text not null, "failures" int not null, "locked_until" timestamptz null, "last_failure_at" timestamptz not null, constraint "login_failures_pkey" primary key ("key"));`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "login_failures" cascade;`);
  }
}
