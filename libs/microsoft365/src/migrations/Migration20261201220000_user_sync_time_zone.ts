import { Migration } from '@mikro-orm/migrations';

/**
 * The user sync schedule's time zone may be left unset, and then follows the PBX tenant's time zone (issue 5:
 * "default 00:00, the tenant's time zone"). Until now the column could not be unset and every saved row got
 * 'UTC' as the default, so a stored 'UTC' is taken as "not chosen".
 */
export class Migration20261201220000_user_sync_time_zone extends Migration {
  override up(): void {
    this.addSql(`alter table "m365_user_sync_settings" alter column "schedule_time_zone" drop default;`);
    this.addSql(`alter table "m365_user_sync_settings" alter column "schedule_time_zone" drop not null;`);
    this.addSql(
      `update "m365_user_sync_settings" set "schedule_time_zone" = null where "schedule_time_zone" = 'UTC';`,
    );
  }

  override down(): void {
    this.addSql(
      `update "m365_user_sync_settings" set "schedule_time_zone" = 'UTC' where "schedule_time_zone" is null;`,
    );
    this.addSql(`alter table "m365_user_sync_settings" alter column "schedule_time_zone" set not null;`);
    this.addSql(`alter table "m365_user_sync_settings" alter column "schedule_time_zone" set default 'UTC';`);
  }
}
