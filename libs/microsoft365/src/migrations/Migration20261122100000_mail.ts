import { Migration } from '@mikro-orm/migrations';

/** Mail through Microsoft Graph: the sending mailbox and Sent Items option per PBX tenant (MailSettingsEntity). */
export class Migration20261122100000_mail extends Migration {
  override up(): void {
    this.addSql(
      `create table "m365_mail_settings" ("pbx_tenant_id" text not null, "sender_address" text null, "save_to_sent_items" boolean not null default false, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "m365_mail_settings_pkey" primary key ("pbx_tenant_id"));`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "m365_mail_settings" cascade;`);
  }
}
