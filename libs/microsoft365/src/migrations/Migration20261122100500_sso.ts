import { Migration } from '@mikro-orm/migrations';

/** "Sign in with Microsoft": per-tenant sign-in rules and short-lived sign-in transactions (issue 8). */
export class Migration20261122100500_sso extends Migration {
  override up(): void {
    this.addSql(
      `create table "m365_sso_settings" ("pbx_tenant_id" text not null, "users" jsonb not null, "administrators" jsonb not null, "app_redirect_uris" jsonb not null, "domain_hint" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "m365_sso_settings_pkey" primary key ("pbx_tenant_id"));`,
    );

    this.addSql(
      `create table "m365_sso_transactions" ("id" uuid not null, "state_hash" text not null, "scope" text not null, "client" text not null, "browser_key_hash" text not null, "nonce" text not null, "encrypted_code_verifier" bytea not null, "master_key_version" int not null, "redirect_uri" text not null, "app_redirect_uri" text null, "app_code_challenge" text null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "callback_at" timestamptz null, "app_code_hash" text null, "app_code_expires_at" timestamptz null, "app_code_used_at" timestamptz null, "user_id" text null, "role" text null, constraint "m365_sso_transactions_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "m365_sso_transactions" add constraint "m365_sso_transactions_state_hash_unique" unique ("state_hash");`,
    );
    this.addSql(
      `alter table "m365_sso_transactions" add constraint "m365_sso_transactions_app_code_hash_unique" unique ("app_code_hash");`,
    );
    this.addSql(
      `create index "m365_sso_transactions_expires_at_index" on "m365_sso_transactions" ("expires_at");`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "m365_sso_transactions" cascade;`);

    this.addSql(`drop table if exists "m365_sso_settings" cascade;`);
  }
}
