import { type MigrationObject } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/** This PBX's own tables: numeric ids, nothing shared with the Microsoft 365 module's tables. */
export class HostSchema20261205 extends Migration {
  override up(): void {
    this.addSql(`create table pbx_tenants (
      id bigint generated always as identity primary key,
      name text not null,
      sip_domain text not null unique,
      time_zone text not null default 'UTC')`);
    this.addSql(`create table pbx_users (
      id bigint generated always as identity primary key,
      tenant_id bigint references pbx_tenants (id) on delete cascade,
      extension text,
      role text not null default 'user' check (role in ('system-admin', 'tenant-admin', 'user')),
      enabled boolean not null default true,
      display_name text not null,
      first_name text, last_name text, email text, user_principal_name text, department text, job_title text,
      mobile_phone text, business_phones jsonb not null default '[]', office_location text, preferred_language text,
      photo bytea, photo_type text,
      unique (tenant_id, extension))`);
    this.addSql(`create index pbx_users_email on pbx_users (tenant_id, lower(email))`);
    this.addSql(`create index pbx_users_upn on pbx_users (tenant_id, lower(user_principal_name))`);
    this.addSql(`create table pbx_contacts (
      id bigint generated always as identity primary key,
      tenant_id bigint not null references pbx_tenants (id) on delete cascade,
      owner_user_id bigint references pbx_users (id) on delete cascade,
      external_id text,
      data jsonb not null)`);
    this.addSql(
      `create unique index pbx_contacts_external on pbx_contacts (tenant_id, coalesce(owner_user_id, 0), external_id)`,
    );
    this.addSql(`create table pbx_presence (
      user_id bigint primary key references pbx_users (id) on delete cascade,
      status text not null,
      changed_at timestamptz not null default now())`);
    this.addSql(`create table pbx_sessions (
      token_hash text primary key,
      user_id bigint not null references pbx_users (id) on delete cascade,
      tenant_id bigint,
      role text not null,
      expires_at timestamptz not null)`);
  }
}

export const HOST_MIGRATIONS_TABLE = 'pbx_host_migrations';
export const hostMigrations: MigrationObject[] = [{ name: 'HostSchema20261205', class: HostSchema20261205 }];
