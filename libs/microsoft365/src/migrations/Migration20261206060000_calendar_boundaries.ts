import { Migration } from '@mikro-orm/migrations';

/**
 * Calendar presence's tick runs once per period for the whole PBX (issue 18): what it needs between ticks, each
 * calendar's next boundary and the tenant's last full read, moves from one instance's memory to the database.
 */
export class Migration20261206060000_calendar_boundaries extends Migration {
  override up(): void {
    this.addSql(
      `create table "m365_calendar_boundaries" ("pbx_tenant_id" text not null, "pbx_user_id" text not null, "next_boundary_at" timestamptz not null, constraint "m365_calendar_boundaries_pkey" primary key ("pbx_tenant_id", "pbx_user_id"));`,
    );
    this.addSql(
      `alter table "m365_calendar_presence_settings" add column "last_full_read_at" timestamptz null;`,
    );
  }

  override down(): void {
    this.addSql(`alter table "m365_calendar_presence_settings" drop column "last_full_read_at";`);
    this.addSql(`drop table if exists "m365_calendar_boundaries" cascade;`);
  }
}
