import { Migration } from '@mikro-orm/migrations';

/**
 * Teams presence change notifications with a service account (issue 19, part 1): the per-tenant choice, the
 * signed-in account (its MSAL token cache encrypted) and the presence subscriptions it holds.
 */
export class Migration20261206053000_teams_presence_change_notifications extends Migration {
  override up(): void {
    this.addSql(
      `alter table "m365_teams_presence_settings" add column "change_notifications" text not null default 'off';`,
    );
    this.addSql(
      `create table "m365_teams_presence_service_accounts" ("pbx_tenant_id" text not null, "upn" text null, "object_id" text null, "encrypted_cache" bytea null, "master_key_version" int null, "signed_in_at" timestamptz null, "failure_code" text null, "failure_message" text null, "failed_at" timestamptz null, "pending_state_hash" text null, "pending_encrypted_verifier" bytea null, "pending_master_key_version" int null, "pending_redirect_uri" text null, "pending_expires_at" timestamptz null, "updated_at" timestamptz not null, constraint "m365_teams_presence_service_accounts_pkey" primary key ("pbx_tenant_id"));`,
    );
    this.addSql(
      `alter table "m365_teams_presence_service_accounts" add constraint "m365_teams_presence_service_accounts_state_unique" unique ("pending_state_hash");`,
    );
    this.addSql(
      `create table "m365_teams_presence_subscriptions" ("id" uuid not null, "pbx_tenant_id" text not null, "subscription_id" text not null, "object_ids" jsonb not null, "client_state_hash" text not null, "expires_at" timestamptz not null, "created_at" timestamptz not null, "renewed_at" timestamptz null, "last_notification_at" timestamptz null, constraint "m365_teams_presence_subscriptions_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "m365_teams_presence_subscriptions" add constraint "m365_teams_presence_subscriptions_subscription_id_unique" unique ("subscription_id");`,
    );
    this.addSql(
      `create index "m365_teams_presence_subscriptions_pbx_tenant_id_index" on "m365_teams_presence_subscriptions" ("pbx_tenant_id");`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "m365_teams_presence_subscriptions" cascade;`);
    this.addSql(`drop table if exists "m365_teams_presence_service_accounts" cascade;`);
    this.addSql(`alter table "m365_teams_presence_settings" drop column "change_notifications";`);
  }
}
