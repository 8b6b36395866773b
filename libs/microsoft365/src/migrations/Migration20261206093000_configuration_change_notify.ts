import { Migration } from '@mikro-orm/migrations';

/** The tables whose rows the sign-in configuration cache holds (sso/sso-configuration.cache.ts). */
const TABLES = ['m365_tenant_settings', 'm365_sso_settings', 'm365_key_pairs'];

/**
 * Several PBX instances share one database and each caches a tenant's sign-in configuration (issue 20). Every write
 * to these tables notifies channel `microsoft365_config` with the tenant's id, from a trigger: in the writing
 * transaction, so a rolled-back write notifies nobody and no code path (admin API, key rotation, master-key
 * re-wrap, a hand-made SQL fix) can forget it. PostgreSQL delivers it on commit, once per tenant per transaction
 * (https://www.postgresql.org/docs/current/sql-notify.html). A TRUNCATE names no tenant: `*` empties the caches.
 */
export class Migration20261206093000_configuration_change_notify extends Migration {
  override up(): void {
    this
      .addSql(`create or replace function "m365_notify_configuration_change"() returns trigger language plpgsql as $$
begin
  if tg_op = 'TRUNCATE' then
    perform pg_notify('microsoft365_config', '*');
  elsif tg_op = 'DELETE' then
    perform pg_notify('microsoft365_config', old.pbx_tenant_id);
  else
    perform pg_notify('microsoft365_config', new.pbx_tenant_id);
    if tg_op = 'UPDATE' and old.pbx_tenant_id is distinct from new.pbx_tenant_id then
      perform pg_notify('microsoft365_config', old.pbx_tenant_id);
    end if;
  end if;
  return null;
end $$;`);
    for (const table of TABLES) {
      this.addSql(
        `create trigger "${table}_notify" after insert or update or delete on "${table}" for each row execute function "m365_notify_configuration_change"();`,
      );
      this.addSql(
        `create trigger "${table}_notify_truncate" after truncate on "${table}" for each statement execute function "m365_notify_configuration_change"();`,
      );
    }
  }

  override down(): void {
    for (const table of TABLES) {
      this.addSql(`drop trigger if exists "${table}_notify_truncate" on "${table}";`);
      this.addSql(`drop trigger if exists "${table}_notify" on "${table}";`);
    }
    this.addSql(`drop function if exists "m365_notify_configuration_change"();`);
  }
}
