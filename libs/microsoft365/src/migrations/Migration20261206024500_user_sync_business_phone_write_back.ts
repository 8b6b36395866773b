import { Migration } from '@mikro-orm/migrations';

/**
 * The extension write-back to Entra (issue 19, numbers): the admin's template (null = off, as before) and, per
 * link, the business phone last written, so that only our own value is ever replaced.
 */
export class Migration20261206024500_user_sync_business_phone_write_back extends Migration {
  override up(): void {
    this.addSql(`alter table "m365_user_sync_settings" add column "business_phone_template" text null;`);
    this.addSql(`alter table "m365_user_links" add column "written_business_phone" text null;`);
  }

  override down(): void {
    this.addSql(`alter table "m365_user_links" drop column "written_business_phone";`);
    this.addSql(`alter table "m365_user_sync_settings" drop column "business_phone_template";`);
  }
}
