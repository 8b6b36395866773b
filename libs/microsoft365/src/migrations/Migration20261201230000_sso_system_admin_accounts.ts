import { Migration } from '@mikro-orm/migrations';

/** "Sign in with Microsoft": system administrators' Microsoft accounts are bound explicitly, by object id. */
export class Migration20261201230000_sso_system_admin_accounts extends Migration {
  override up(): void {
    // The default fills existing rows only; the entity, like the other JSON columns, has none.
    this.addSql(
      `alter table "m365_sso_settings" add column "system_admin_accounts" jsonb not null default '[]';`,
    );
    this.addSql(`alter table "m365_sso_settings" alter column "system_admin_accounts" drop default;`);
  }

  override down(): void {
    this.addSql(`alter table "m365_sso_settings" drop column "system_admin_accounts";`);
  }
}
