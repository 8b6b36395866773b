import { Migration } from '@mikro-orm/migrations';

/**
 * Each synced mailbox's contact folder tree and its contactFolders/delta link (issue 20): an idle contact run reads
 * one folder delta per mailbox instead of listing the tree level by level.
 */
export class Migration20261206093540_contact_mailboxes extends Migration {
  override up(): void {
    this.addSql(
      `create table "m365_contact_mailboxes" ("pbx_tenant_id" text not null, "owner" text not null, "mailbox_id" text not null, "folders_delta_link" text null, "folders" jsonb not null, "updated_at" timestamptz not null, constraint "m365_contact_mailboxes_pkey" primary key ("pbx_tenant_id", "owner", "mailbox_id"));`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "m365_contact_mailboxes" cascade;`);
  }
}
