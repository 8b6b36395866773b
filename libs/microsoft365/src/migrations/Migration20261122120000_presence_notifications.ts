import { Migration } from '@mikro-orm/migrations';

/** Change notifications (subscriptions, fallback) and calendar presence; written in the generator's style. */
export class Migration20261122120000_presence_notifications extends Migration {
  override up(): void {
    this.addSql(
      `create table "m365_graph_subscriptions" ("id" uuid not null, "pbx_tenant_id" text not null, "subscription_id" text not null, "kind" text check ("kind" in ('USERS', 'GROUPS', 'EVENTS', 'CONTACTS')) not null, "resource" text not null, "pbx_user_id" text null, "client_state_hash" text not null, "expires_at" timestamptz not null, "created_at" timestamptz not null, "renewed_at" timestamptz null, "last_notification_at" timestamptz null, "last_lifecycle_event" text null, constraint "m365_graph_subscriptions_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "m365_graph_subscriptions_expires_at_index" on "m365_graph_subscriptions" ("expires_at");`,
    );
    this.addSql(
      `alter table "m365_graph_subscriptions" add constraint "m365_graph_subscriptions_pbx_tenant_id_resource_unique" unique ("pbx_tenant_id", "resource");`,
    );
    this.addSql(
      `alter table "m365_graph_subscriptions" add constraint "m365_graph_subscriptions_subscription_id_unique" unique ("subscription_id");`,
    );

    this.addSql(
      `create table "m365_notification_settings" ("pbx_tenant_id" text not null, "enabled" boolean not null default true, "fallback_interval_minutes" int not null default 5, "last_fallback_run_at" timestamptz null, "last_error" text null, "failing_since" timestamptz null, "lease_until" timestamptz null, "updated_at" timestamptz not null, constraint "m365_notification_settings_pkey" primary key ("pbx_tenant_id"));`,
    );

    this.addSql(
      `create table "m365_calendar_presence_settings" ("pbx_tenant_id" text not null, "selection_mode" text check ("selection_mode" in ('ALL', 'INCLUDE', 'EXCLUDE')) not null default 'ALL', "selected_users" jsonb not null, "departments" jsonb not null, "mapping" jsonb not null, "poll_interval_seconds" int not null default 60, "last_polled_at" timestamptz null, "last_error" text null, "updated_at" timestamptz not null, constraint "m365_calendar_presence_settings_pkey" primary key ("pbx_tenant_id"));`,
    );

    this.addSql(
      `create table "m365_presence_states" ("pbx_tenant_id" text not null, "pbx_user_id" text not null, "desired" text not null, "applied" text null, "restore" text null, "updated_at" timestamptz not null, constraint "m365_presence_states_pkey" primary key ("pbx_tenant_id", "pbx_user_id"));`,
    );

    this.addSql(`alter table "m365_sync_runs" drop constraint if exists "m365_sync_runs_trigger_check";`);
    this.addSql(
      `alter table "m365_sync_runs" add constraint "m365_sync_runs_trigger_check" check("trigger" in ('MANUAL', 'SCHEDULE', 'ON_DEMAND', 'CONFIRMATION', 'NOTIFICATION'));`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "m365_graph_subscriptions" cascade;`);

    this.addSql(`drop table if exists "m365_notification_settings" cascade;`);

    this.addSql(`drop table if exists "m365_calendar_presence_settings" cascade;`);

    this.addSql(`drop table if exists "m365_presence_states" cascade;`);

    this.addSql(`alter table "m365_sync_runs" drop constraint if exists "m365_sync_runs_trigger_check";`);
    this.addSql(
      `alter table "m365_sync_runs" add constraint "m365_sync_runs_trigger_check" check("trigger" in ('MANUAL', 'SCHEDULE', 'ON_DEMAND', 'CONFIRMATION'));`,
    );
  }
}
