import { Migration } from '@mikro-orm/migrations';

/**
 * Which profile fields the PBX keeps after creating a user (issue 19). Existing rows get `{}`: every field follows
 * Microsoft 365, as before. The default only fills those rows; the entity gives new rows their value.
 */
export class Migration20261206012233_user_sync_field_ownership extends Migration {
  override up(): void {
    this.addSql(
      `alter table "m365_user_sync_settings" add column "field_ownership" jsonb not null default '{}';`,
    );
    this.addSql(`alter table "m365_user_sync_settings" alter column "field_ownership" drop default;`);
  }

  override down(): void {
    this.addSql(`alter table "m365_user_sync_settings" drop column "field_ownership";`);
  }
}
