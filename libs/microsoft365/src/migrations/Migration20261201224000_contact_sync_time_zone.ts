import { Migration } from '@mikro-orm/migrations';

/**
 * The contact sync's own cron schedule may leave its time zone unset, and then follows the PBX tenant's time zone,
 * as the user sync schedule does (Migration20261201220000_user_sync_time_zone). Until now the column could not be
 * unset and every saved row got 'UTC' as the default, so a stored 'UTC' is taken as "not chosen".
 */
export class Migration20261201224000_contact_sync_time_zone extends Migration {
  override up(): void {
    this.addSql(`alter table "m365_contact_sync_settings" alter column "schedule_time_zone" drop default;`);
    this.addSql(`alter table "m365_contact_sync_settings" alter column "schedule_time_zone" drop not null;`);
    this.addSql(
      `update "m365_contact_sync_settings" set "schedule_time_zone" = null where "schedule_time_zone" = 'UTC';`,
    );
  }

  override down(): void {
    this.addSql(
      `update "m365_contact_sync_settings" set "schedule_time_zone" = 'UTC' where "schedule_time_zone" is null;`,
    );
    this.addSql(`alter table "m365_contact_sync_settings" alter column "schedule_time_zone" set not null;`);
    this.addSql(
      `alter table "m365_contact_sync_settings" alter column "schedule_time_zone" set default 'UTC';`,
    );
  }
}
