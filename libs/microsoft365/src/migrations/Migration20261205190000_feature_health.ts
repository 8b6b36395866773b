import { Migration } from '@mikro-orm/migrations';

/** Failure escalation per tenant and background feature (healthy → degraded → quarantined). */
export class Migration20261205190000_feature_health extends Migration {
  override up(): void {
    this.addSql(
      `create table "m365_feature_health" ("pbx_tenant_id" text not null, "feature" text check ("feature" in ('USER_SYNC', 'CONTACT_SYNC', 'PRESENCE', 'SUBSCRIPTIONS')) not null, "state" text check ("state" in ('HEALTHY', 'DEGRADED', 'QUARANTINED')) not null default 'HEALTHY', "consecutive_failures" int not null default 0, "last_failure" jsonb null, "last_failure_at" timestamptz null, "last_success_at" timestamptz null, "next_attempt_at" timestamptz null, "updated_at" timestamptz not null, constraint "m365_feature_health_pkey" primary key ("pbx_tenant_id", "feature"));`,
    );
    this.addSql(
      `create index "m365_feature_health_state_next_attempt_at_index" on "m365_feature_health" ("state", "next_attempt_at");`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "m365_feature_health" cascade;`);
  }
}
