import { Migration } from '@mikro-orm/migrations';

/**
 * Where a new user's extension comes from (issue 19, numbers). Existing rows get `ALLOCATOR`: numbers are handed
 * out as before. The default stays, as the entity declares it (MikroORM reads it from the property initializer).
 */
export class Migration20261206023000_user_sync_extension_source extends Migration {
  override up(): void {
    this.addSql(
      `alter table "m365_user_sync_settings" add column "extension_source" text not null default 'ALLOCATOR';`,
    );
  }

  override down(): void {
    this.addSql(`alter table "m365_user_sync_settings" drop column "extension_source";`);
  }
}
