import { Migration } from '@mikro-orm/migrations';

/**
 * Group scope through groups/delta: the members last read and the groups they came from are kept, so an
 * incremental run only lists transitive members again when a group of the scope changed members.
 */
export class Migration20261201233000_user_sync_group_delta extends Migration {
  override up(): void {
    this.addSql(
      `create table "m365_user_sync_group_members" ("pbx_tenant_id" text not null, "object_id" text not null, constraint "m365_user_sync_group_members_pkey" primary key ("pbx_tenant_id", "object_id"));`,
    );
    this.addSql(
      `alter table "m365_user_sync_settings" add column "group_delta_link" text null, add column "group_closure" jsonb null;`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "m365_user_sync_group_members" cascade;`);
    this.addSql(
      `alter table "m365_user_sync_settings" drop column "group_delta_link", drop column "group_closure";`,
    );
  }
}
