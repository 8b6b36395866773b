import { Migration } from '@mikro-orm/migrations';

/** Teams presence (both directions): settings, per-user sessions and memory, and its health feature. */
export class Migration20261206014807_teams_presence extends Migration {
  override up(): void {
    this.addSql(
      `create table "m365_teams_presence_settings" ("pbx_tenant_id" text not null, "mapping" jsonb not null, "poll_interval_seconds" int not null default 60, "last_polled_at" timestamptz null, "last_error" text null, "updated_at" timestamptz not null, constraint "m365_teams_presence_settings_pkey" primary key ("pbx_tenant_id"));`,
    );

    this.addSql(
      `create table "m365_teams_presence_states" ("pbx_tenant_id" text not null, "pbx_user_id" text not null, "object_id" text null, "call_state" text null, "session_availability" text null, "session_activity" text null, "session_expires_at" timestamptz null, "desired" text null, "applied" text null, "restore" text null, "updated_at" timestamptz not null, constraint "m365_teams_presence_states_pkey" primary key ("pbx_tenant_id", "pbx_user_id"));`,
    );
    this.addSql(
      `create index "m365_teams_presence_states_session_expires_at_index" on "m365_teams_presence_states" ("session_expires_at");`,
    );

    this.addSql(
      `alter table "m365_feature_health" drop constraint if exists "m365_feature_health_feature_check";`,
    );

    this.addSql(
      `alter table "m365_feature_health" add constraint "m365_feature_health_feature_check" check("feature" in ('USER_SYNC', 'CONTACT_SYNC', 'PRESENCE', 'SUBSCRIPTIONS', 'TEAMS_PRESENCE'));`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "m365_teams_presence_settings" cascade;`);

    this.addSql(`drop table if exists "m365_teams_presence_states" cascade;`);

    this.addSql(`delete from "m365_feature_health" where "feature" = 'TEAMS_PRESENCE';`);

    this.addSql(
      `alter table "m365_feature_health" drop constraint if exists "m365_feature_health_feature_check";`,
    );

    this.addSql(
      `alter table "m365_feature_health" add constraint "m365_feature_health_feature_check" check("feature" in ('USER_SYNC', 'CONTACT_SYNC', 'PRESENCE', 'SUBSCRIPTIONS'));`,
    );
  }
}
