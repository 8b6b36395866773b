import { Migration } from '@mikro-orm/migrations';

/** Generated from the entities by scripts/create-migration.ts; review before committing. */
export class Migration20261122091635_user_sync extends Migration {
  override up(): void {
    this.addSql(
      `create table "m365_sync_runs" ("id" uuid not null, "pbx_tenant_id" text not null, "kind" text check ("kind" in ('USERS', 'CONTACTS')) not null, "trigger" text check ("trigger" in ('MANUAL', 'SCHEDULE', 'ON_DEMAND', 'CONFIRMATION')) not null, "mode" text check ("mode" in ('FULL', 'INCREMENTAL')) not null, "mode_reason" text null, "dry_run" boolean not null default false, "status" text check ("status" in ('RUNNING', 'SUCCEEDED', 'COMPLETED_WITH_ERRORS', 'FAILED')) not null default 'RUNNING', "started_at" timestamptz not null, "heartbeat_at" timestamptz not null, "finished_at" timestamptz null, "counts" jsonb not null, "progress" jsonb not null, "graph" jsonb not null, "issues" jsonb not null, "plan" jsonb null, "staged_removals" jsonb null, "error" jsonb null, constraint "m365_sync_runs_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create unique index "m365_sync_runs_one_running" on "m365_sync_runs" ("pbx_tenant_id", "kind") where "status" = 'RUNNING' and "dry_run" = false;`,
    );
    this.addSql(
      `create index "m365_sync_runs_pbx_tenant_id_kind_started_at_index" on "m365_sync_runs" ("pbx_tenant_id", "kind", "started_at");`,
    );

    this.addSql(
      `create table "m365_user_links" ("id" uuid not null, "pbx_tenant_id" text not null, "object_id" text not null, "pbx_user_id" text null, "extension" text null, "state" text check ("state" in ('ACTIVE', 'DISABLED', 'DELETED', 'KEPT', 'UNBOUND')) not null, "origin" text check ("origin" in ('CREATED', 'MATCHED', 'BOUND')) not null, "user_principal_name" text null, "photo_etag" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "m365_user_links_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "m365_user_links_pbx_tenant_id_state_index" on "m365_user_links" ("pbx_tenant_id", "state");`,
    );
    this.addSql(
      `alter table "m365_user_links" add constraint "m365_user_links_pbx_tenant_id_pbx_user_id_unique" unique ("pbx_tenant_id", "pbx_user_id");`,
    );
    this.addSql(
      `alter table "m365_user_links" add constraint "m365_user_links_pbx_tenant_id_extension_unique" unique ("pbx_tenant_id", "extension");`,
    );
    this.addSql(
      `alter table "m365_user_links" add constraint "m365_user_links_pbx_tenant_id_object_id_unique" unique ("pbx_tenant_id", "object_id");`,
    );

    this.addSql(
      `create table "m365_user_sync_settings" ("pbx_tenant_id" text not null, "include_guests" boolean not null default false, "selection_mode" text check ("selection_mode" in ('ALL', 'INCLUDE', 'EXCLUDE')) not null default 'ALL', "selected_users" jsonb not null, "departments" jsonb not null, "group_ids" jsonb not null, "extension_start" text null, "extension_end" text null, "link_existing_users" boolean not null default true, "leaver_policy" text check ("leaver_policy" in ('DISABLE', 'DELETE', 'KEEP')) not null default 'DISABLE', "sync_photos" boolean not null default false, "schedule_enabled" boolean not null default false, "schedule_cron" text not null default '0 0 * * *', "schedule_time_zone" text not null default 'UTC', "deletion_guard_max_users" int not null default 50, "deletion_guard_max_percent" int not null default 20, "delta_link" text null, "delta_scope" text null, "last_full_run_at" timestamptz null, "updated_at" timestamptz not null, constraint "m365_user_sync_settings_pkey" primary key ("pbx_tenant_id"));`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "m365_sync_runs" cascade;`);

    this.addSql(`drop table if exists "m365_user_links" cascade;`);

    this.addSql(`drop table if exists "m365_user_sync_settings" cascade;`);
  }
}
