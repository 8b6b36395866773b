import { Migration } from '@mikro-orm/migrations';

/**
 * Runs execute as jobs of the job engine (issue 18): each run records its job, so a job retried after its instance
 * stopped resumes the same run, and a run whose job is no longer active is known to be abandoned.
 */
export class Migration20261206050000_sync_runs_job_id extends Migration {
  override up(): void {
    this.addSql(`alter table "m365_sync_runs" add column "job_id" uuid null;`);
    this.addSql(`create index "m365_sync_runs_job_id_index" on "m365_sync_runs" ("job_id");`);
  }

  override down(): void {
    this.addSql(`drop index "m365_sync_runs_job_id_index";`);
    this.addSql(`alter table "m365_sync_runs" drop column "job_id";`);
  }
}
