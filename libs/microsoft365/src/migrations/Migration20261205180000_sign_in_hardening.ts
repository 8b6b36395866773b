import { Migration } from '@mikro-orm/migrations';

/**
 * Sign-in hardening: the account a one-time code was issued for (checked again at the exchange), https app
 * redirect URIs approved by a system administrator, and rate limit counters shared by all instances.
 */
export class Migration20261205180000_sign_in_hardening extends Migration {
  override up(): void {
    this.addSql(
      `alter table "m365_sso_transactions" add column "object_id" text null, add column "directory_id" text null;`,
    );
    // Registered https URIs stop working until a system administrator approves them: that is the point.
    this.addSql(
      `alter table "m365_sso_settings" add column "approved_app_redirect_uris" jsonb not null default '[]';`,
    );
    this.addSql(`alter table "m365_sso_settings" alter column "approved_app_redirect_uris" drop default;`);
    this.addSql(
      `create table "m365_rate_limit_counters" ("key" text not null, "hits" int not null, "window_ends_at" timestamptz not null, "blocked_until" timestamptz null, constraint "m365_rate_limit_counters_pkey" primary key ("key"));`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "m365_rate_limit_counters" cascade;`);
    this.addSql(`alter table "m365_sso_settings" drop column "approved_app_redirect_uris";`);
    this.addSql(`alter table "m365_sso_transactions" drop column "object_id", drop column "directory_id";`);
  }
}
