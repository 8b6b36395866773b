import { Migration } from '@mikro-orm/migrations';

/** Written in the generator's style from the contact sync entities; review before committing. */
export class Migration20261122110000_contact_sync extends Migration {
  override up(): void {
    this.addSql(
      `create table "m365_contact_folders" ("id" uuid not null, "pbx_tenant_id" text not null, "owner" text not null, "mailbox_id" text not null, "user_principal_name" text null, "folder_id" text not null, "path" text not null default '', "delta_link" text null, "resume_link" text null, "pass_id" text not null, "updated_at" timestamptz not null, constraint "m365_contact_folders_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "m365_contact_folders_pbx_tenant_id_owner_mailbox_id_index" on "m365_contact_folders" ("pbx_tenant_id", "owner", "mailbox_id");`,
    );
    this.addSql(
      `alter table "m365_contact_folders" add constraint "m365_contact_folders_pbx_tenant_id_owner_mailbox__5ecff_unique" unique ("pbx_tenant_id", "owner", "mailbox_id", "folder_id");`,
    );

    this.addSql(
      `create table "m365_contact_items" ("id" uuid not null, "pbx_tenant_id" text not null, "owner" text not null, "mailbox_id" text not null, "folder_id" text not null, "contact_id" text not null, "pass_id" text not null, constraint "m365_contact_items_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "m365_contact_items_pbx_tenant_id_owner_mailbox_id__80ad1_index" on "m365_contact_items" ("pbx_tenant_id", "owner", "mailbox_id", "folder_id");`,
    );
    this.addSql(
      `alter table "m365_contact_items" add constraint "m365_contact_items_pbx_tenant_id_owner_mailbox_id_48d86_unique" unique ("pbx_tenant_id", "owner", "mailbox_id", "contact_id");`,
    );

    this.addSql(
      `create table "m365_contact_sync_settings" ("pbx_tenant_id" text not null, "selection_mode" text check ("selection_mode" in ('ALL', 'INCLUDE', 'EXCLUDE')) not null default 'ALL', "selected_users" jsonb not null, "departments" jsonb not null, "shared_mailboxes" jsonb not null, "schedule" text check ("schedule" in ('OFF', 'CRON', 'AFTER_USER_SYNC')) not null default 'OFF', "schedule_cron" text not null default '0 1 * * *', "schedule_time_zone" text not null default 'UTC', "updated_at" timestamptz not null, constraint "m365_contact_sync_settings_pkey" primary key ("pbx_tenant_id"));`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "m365_contact_folders" cascade;`);

    this.addSql(`drop table if exists "m365_contact_items" cascade;`);

    this.addSql(`drop table if exists "m365_contact_sync_settings" cascade;`);
  }
}
