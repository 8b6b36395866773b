import { Migration } from '@mikro-orm/migrations';

/** Generated from the entities by scripts/create-migration.ts; review before committing. */
export class Migration20261206015823_ring_groups extends Migration {
  override up(): void {
    this.addSql(
      `create table "ring_groups" ("id" uuid not null, "tenant_id" uuid not null, "name" text not null, "member_user_ids" uuid[] not null default '{}', "enabled" boolean not null default true, "external_source" text null, "external_id" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "ring_groups_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create unique index "ring_groups_external_unique" on "ring_groups" ("tenant_id", "external_source", "external_id") where "external_id" is not null;`,
    );

    this.addSql(
      `alter table "ring_groups" add constraint "ring_groups_tenant_id_foreign" foreign key ("tenant_id") references "tenants" ("id") on update cascade on delete cascade;`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "ring_groups" cascade;`);
  }
}
