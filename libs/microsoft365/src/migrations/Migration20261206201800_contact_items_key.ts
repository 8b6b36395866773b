import { Migration } from '@mikro-orm/migrations';

/**
 * Contact items keyed by (tenant, owner, mailbox, contact) instead of a random uuid plus a unique constraint and a
 * folder index (issue 20): one index per row instead of three. Every query names the mailbox, the key's prefix.
 */
export class Migration20261206201800_contact_items_key extends Migration {
  override up(): void {
    this.addSql(
      `alter table "m365_contact_items" drop constraint "m365_contact_items_pbx_tenant_id_owner_mailbox_id_48d86_unique";`,
    );
    this.addSql(`drop index "m365_contact_items_pbx_tenant_id_owner_mailbox_id__80ad1_index";`);
    this.addSql(`alter table "m365_contact_items" drop constraint "m365_contact_items_pkey";`);
    this.addSql(`alter table "m365_contact_items" drop column "id";`);
    this.addSql(
      `alter table "m365_contact_items" add constraint "m365_contact_items_pkey" primary key ("pbx_tenant_id", "owner", "mailbox_id", "contact_id");`,
    );
  }

  override down(): void {
    this.addSql(`alter table "m365_contact_items" drop constraint "m365_contact_items_pkey";`);
    this.addSql(`alter table "m365_contact_items" add column "id" uuid not null default gen_random_uuid();`);
    this.addSql(`alter table "m365_contact_items" alter column "id" drop default;`);
    this.addSql(
      `alter table "m365_contact_items" add constraint "m365_contact_items_pkey" primary key ("id");`,
    );
    this.addSql(
      `create index "m365_contact_items_pbx_tenant_id_owner_mailbox_id__80ad1_index" on "m365_contact_items" ("pbx_tenant_id", "owner", "mailbox_id", "folder_id");`,
    );
    this.addSql(
      `alter table "m365_contact_items" add constraint "m365_contact_items_pbx_tenant_id_owner_mailbox_id_48d86_unique" unique ("pbx_tenant_id", "owner", "mailbox_id", "contact_id");`,
    );
  }
}
