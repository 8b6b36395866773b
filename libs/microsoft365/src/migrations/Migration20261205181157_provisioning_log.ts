import { Migration } from '@mikro-orm/migrations';

/**
 * The provisioning log: one entry per user (user sync) or mailbox (contact sync) a run touched or skipped, indexed
 * for the admin's questions within a tenant and for the retention cleanup; the retention setting of each feature.
 */
export class Migration20261205181157_provisioning_log extends Migration {
  override up(): void {
    this.addSql(
      `create table "m365_provisioning_log" ("id" uuid not null, "pbx_tenant_id" text not null, "kind" text check ("kind" in ('USERS', 'CONTACTS')) not null, "run_id" uuid not null, "action" text check ("action" in ('CREATED', 'LINKED', 'UPDATED', 'RE_ENABLED', 'DISABLED', 'DELETED', 'KEPT', 'SKIPPED', 'FAILED', 'SYNCED', 'REMOVED')) not null, "object_id" text not null, "user_principal_name" text null, "pbx_user_id" text null, "extension" text null, "reason" text null, "message" text null, "changes" jsonb null, "counts" jsonb null, "created_at" timestamptz not null, constraint "m365_provisioning_log_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "m365_provisioning_log_upn_index" on "m365_provisioning_log" ("pbx_tenant_id", lower("user_principal_name"));`,
    );
    this.addSql(
      `create index "m365_provisioning_log_pbx_tenant_id_kind_created_at_index" on "m365_provisioning_log" ("pbx_tenant_id", "kind", "created_at");`,
    );
    this.addSql(
      `create index "m365_provisioning_log_pbx_tenant_id_pbx_user_id_index" on "m365_provisioning_log" ("pbx_tenant_id", "pbx_user_id");`,
    );
    this.addSql(
      `create index "m365_provisioning_log_pbx_tenant_id_object_id_index" on "m365_provisioning_log" ("pbx_tenant_id", "object_id");`,
    );
    this.addSql(
      `create index "m365_provisioning_log_pbx_tenant_id_run_id_index" on "m365_provisioning_log" ("pbx_tenant_id", "run_id");`,
    );

    this.addSql(
      `alter table "m365_contact_sync_settings" add column "provisioning_log_retention_days" int not null default 30;`,
    );

    this.addSql(
      `alter table "m365_user_sync_settings" add column "provisioning_log_retention_days" int not null default 30;`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "m365_provisioning_log" cascade;`);

    this.addSql(`alter table "m365_contact_sync_settings" drop column "provisioning_log_retention_days";`);

    this.addSql(`alter table "m365_user_sync_settings" drop column "provisioning_log_retention_days";`);
  }
}
