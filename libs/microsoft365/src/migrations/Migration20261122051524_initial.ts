import { Migration } from '@mikro-orm/migrations';

/** Generated from the entities by scripts/create-migration.ts; review before committing. */
export class Migration20261122051524_initial extends Migration {
  override up(): void {
    this.addSql(
      `create table "m365_key_pairs" ("id" uuid not null, "pbx_tenant_id" text not null, "status" text check ("status" in ('pending', 'active', 'retired')) not null, "certificate_pem" text not null, "subject" text not null, "serial_number" text not null, "thumbprint_sha1" text not null, "thumbprint_sha256" text not null, "not_before" timestamptz not null, "not_after" timestamptz not null, "encrypted_private_key" bytea not null, "master_key_version" int not null, "created_at" timestamptz not null, "activated_at" timestamptz null, "retired_at" timestamptz null, "last_expiry_warning" text check ("last_expiry_warning" in ('days30', 'days7', 'expired')) null, "last_activation_error" text null, constraint "m365_key_pairs_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create unique index "m365_key_pairs_one_pending" on "m365_key_pairs" ("pbx_tenant_id") where "status" = 'pending';`,
    );
    this.addSql(
      `create unique index "m365_key_pairs_one_active" on "m365_key_pairs" ("pbx_tenant_id") where "status" = 'active';`,
    );
    this.addSql(
      `create index "m365_key_pairs_pbx_tenant_id_status_index" on "m365_key_pairs" ("pbx_tenant_id", "status");`,
    );

    this.addSql(
      `create table "m365_tenant_settings" ("pbx_tenant_id" text not null, "enabled" boolean not null default false, "application_id" uuid null, "directory_id" uuid null, "cloud" text check ("cloud" in ('GLOBAL', 'USGOV', 'USGOV_DOD', 'CHINA')) not null default 'GLOBAL', "features" jsonb not null, "certificate_validity_days" int not null default 365, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "m365_tenant_settings_pkey" primary key ("pbx_tenant_id"));`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "m365_key_pairs" cascade;`);

    this.addSql(`drop table if exists "m365_tenant_settings" cascade;`);
  }
}
