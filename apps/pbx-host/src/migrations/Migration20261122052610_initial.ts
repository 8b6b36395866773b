import { Migration } from '@mikro-orm/migrations';

/** Generated from the entities by scripts/create-migration.ts; review before committing. */
export class Migration20261122052610_initial extends Migration {
  override up(): void {
    this.addSql(
      `create table "tenants" ("id" uuid not null, "name" text not null, "sip_domain" text not null, "time_zone" text not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "tenants_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "tenants" add constraint "tenants_sip_domain_unique" unique ("sip_domain");`);

    this.addSql(
      `create table "users" ("id" uuid not null, "tenant_id" uuid null, "username" text not null, "extension" text null, "role" text check ("role" in ('system-admin', 'tenant-admin', 'user')) not null, "display_name" text not null, "first_name" text null, "last_name" text null, "email" text null, "user_principal_name" text null, "department" text null, "job_title" text null, "mobile_phone" text null, "business_phones" text[] not null default '{}', "office_location" text null, "preferred_language" text null, "enabled" boolean not null default true, "password_hash" text null, "voicemail_pin_hash" text null, "photo" bytea null, "photo_content_type" text null, "photo_updated_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "users_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "users_upn_lower_index" on "users" ("tenant_id", lower("user_principal_name"));`,
    );
    this.addSql(`create index "users_email_lower_index" on "users" ("tenant_id", lower("email"));`);
    this.addSql(
      `create unique index "users_system_username_unique" on "users" ("username") where "tenant_id" is null;`,
    );
    this.addSql(
      `alter table "users" add constraint "users_tenant_username_unique" unique ("tenant_id", "username");`,
    );
    this.addSql(
      `alter table "users" add constraint "users_tenant_extension_unique" unique ("tenant_id", "extension");`,
    );

    this.addSql(
      `create table "sessions" ("id" uuid not null, "token_hash" text not null, "user_id" uuid not null, "role" text check ("role" in ('system-admin', 'tenant-admin', 'user')) not null, "client" text not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, constraint "sessions_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "sessions" add constraint "sessions_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "sessions_user_index" on "sessions" ("user_id");`);
    this.addSql(`create index "sessions_expires_at_index" on "sessions" ("expires_at");`);

    this.addSql(
      `create table "presence" ("user_id" uuid not null, "tenant_id" uuid not null, "status" text check ("status" in ('AVAILABLE', 'AWAY', 'DND', 'IN_A_MEETING', 'OUT_OF_OFFICE', 'BUSINESS_TRIP', 'LUNCH', 'OFFLINE')) not null, "changed_at" timestamptz not null, constraint "presence_pkey" primary key ("user_id"));`,
    );
    this.addSql(`create index "presence_tenant_index" on "presence" ("tenant_id");`);

    this.addSql(
      `create table "contacts" ("id" uuid not null, "tenant_id" uuid not null, "owner_kind" text check ("owner_kind" in ('user', 'company')) not null, "owner_user_id" uuid null, "display_name" text not null, "first_name" text null, "last_name" text null, "company" text null, "job_title" text null, "business_phones" text[] not null default '{}', "home_phones" text[] not null default '{}', "mobile_phone" text null, "email_addresses" text[] not null default '{}', "external_source" text null, "external_id" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "contacts_pkey" primary key ("id"), constraint contacts_owner_check check (("owner_kind" = 'user' and "owner_user_id" is not null) or ("owner_kind" = 'company' and "owner_user_id" is null)));`,
    );
    this.addSql(`create index "contacts_owner_user_index" on "contacts" ("owner_user_id");`);
    this.addSql(
      `create unique index "contacts_personal_external_unique" on "contacts" ("tenant_id", "owner_user_id", "external_source", "external_id") where "owner_kind" = 'user';`,
    );
    this.addSql(
      `create unique index "contacts_company_external_unique" on "contacts" ("tenant_id", "external_source", "external_id") where "owner_kind" = 'company';`,
    );

    this.addSql(
      `alter table "users" add constraint "users_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "presence" add constraint "presence_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "presence" add constraint "presence_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "contacts" add constraint "contacts_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "contacts" add constraint "contacts_owner_user_id_foreign" foreign key ("owner_user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
  }

  override down(): void {
    this.addSql(`alter table "users" drop constraint "users_tenant_id_foreign";`);

    this.addSql(`alter table "presence" drop constraint "presence_tenant_id_foreign";`);

    this.addSql(`alter table "contacts" drop constraint "contacts_tenant_id_foreign";`);

    this.addSql(`alter table "sessions" drop constraint "sessions_user_id_foreign";`);

    this.addSql(`alter table "presence" drop constraint "presence_user_id_foreign";`);

    this.addSql(`alter table "contacts" drop constraint "contacts_owner_user_id_foreign";`);

    this.addSql(`drop table if exists "tenants" cascade;`);

    this.addSql(`drop table if exists "users" cascade;`);

    this.addSql(`drop table if exists "sessions" cascade;`);

    this.addSql(`drop table if exists "presence" cascade;`);

    this.addSql(`drop table if exists "contacts" cascade;`);
  }
}
