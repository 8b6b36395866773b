import { Migration } from '@mikro-orm/migrations';

/** Per tenant: the public URL of the SBC that fronts the PBX, whose callback is a second redirect URI. */
export class Migration20261206010000_sbc_url extends Migration {
  override up(): void {
    this.addSql(`alter table "m365_tenant_settings" add column "sbc_url" text null;`);
  }

  override down(): void {
    this.addSql(`alter table "m365_tenant_settings" drop column if exists "sbc_url";`);
  }
}
