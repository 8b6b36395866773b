import { Migration } from '@mikro-orm/migrations';

/** Generated from the entities by scripts/create-migration.ts; review before committing. */
export class Migration20261206015610_group_sync extends Migration {
  override up(): void {
    this.addSql(
      `create table "m365_group_links" ("id" uuid not null, "pbx_tenant_id" text not null, "object_id" text not null, "pbx_group_id" text not null, "state" text check ("state" in ('ACTIVE', 'DISABLED', 'KEPT')) not null, "pbx_name" text not null, "pbx_members" jsonb not null, "entra_name" text not null, "entra_members" jsonb not null, "closure" jsonb null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "m365_group_links_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "m365_group_links" add constraint "m365_group_links_pbx_tenant_id_object_id_unique" unique ("pbx_tenant_id", "object_id");`,
    );

    this.addSql(
      `create table "m365_group_sync_settings" ("pbx_tenant_id" text not null, "group_ids" jsonb not null, "leaver_policy" text check ("leaver_policy" in ('DISABLE', 'DELETE', 'KEEP')) not null default 'DISABLE', "schedule" text check ("schedule" in ('OFF', 'CRON', 'AFTER_USER_SYNC')) not null default 'AFTER_USER_SYNC', "schedule_cron" text not null default '30 1 * * *', "schedule_time_zone" text null, "delta_link" text null, "updated_at" timestamptz not null, constraint "m365_group_sync_settings_pkey" primary key ("pbx_tenant_id"));`,
    );

    this.addSql(
      `alter table "m365_feature_health" drop constraint if exists "m365_feature_health_feature_check";`,
    );

    this.addSql(
      `alter table "m365_provisioning_log" drop constraint if exists "m365_provisioning_log_kind_check";`,
    );

    this.addSql(`alter table "m365_sync_runs" drop constraint if exists "m365_sync_runs_kind_check";`);

    this.addSql(
      `alter table "m365_feature_health" add constraint "m365_feature_health_feature_check" check("feature" in ('USER_SYNC', 'CONTACT_SYNC', 'GROUP_SYNC', 'PRESENCE', 'SUBSCRIPTIONS', 'TEAMS_PRESENCE'));`,
    );

    this.addSql(
      `alter table "m365_provisioning_log" add constraint "m365_provisioning_log_kind_check" check("kind" in ('USERS', 'CONTACTS', 'GROUPS'));`,
    );

    this.addSql(
      `alter table "m365_sync_runs" add constraint "m365_sync_runs_kind_check" check("kind" in ('USERS', 'CONTACTS', 'GROUPS'));`,
    );
  }

  override down(): void {
    // Rows of the kind and feature going away would break the narrower checks below.
    this.addSql(`delete from "m365_provisioning_log" where "kind" = 'GROUPS';`);
    this.addSql(`delete from "m365_sync_runs" where "kind" = 'GROUPS';`);
    this.addSql(`delete from "m365_feature_health" where "feature" = 'GROUP_SYNC';`);
    this.addSql(`drop table if exists "m365_group_links" cascade;`);

    this.addSql(`drop table if exists "m365_group_sync_settings" cascade;`);

    this.addSql(
      `alter table "m365_feature_health" drop constraint if exists "m365_feature_health_feature_check";`,
    );

    this.addSql(
      `alter table "m365_provisioning_log" drop constraint if exists "m365_provisioning_log_kind_check";`,
    );

    this.addSql(`alter table "m365_sync_runs" drop constraint if exists "m365_sync_runs_kind_check";`);

    this.addSql(
      `alter table "m365_feature_health" add constraint "m365_feature_health_feature_check" check("feature" in ('USER_SYNC', 'CONTACT_SYNC', 'PRESENCE', 'SUBSCRIPTIONS', 'TEAMS_PRESENCE'));`,
    );

    this.addSql(
      `alter table "m365_provisioning_log" add constraint "m365_provisioning_log_kind_check" check("kind" in ('USERS', 'CONTACTS'));`,
    );

    this.addSql(
      `alter table "m365_sync_runs" add constraint "m365_sync_runs_kind_check" check("kind" in ('USERS', 'CONTACTS'));`,
    );
  }
}
