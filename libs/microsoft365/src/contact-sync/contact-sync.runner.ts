import { describeUnexpected } from '../common/database-failure';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { SyncJobs } from '../jobs/sync-jobs';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { forEachLimited } from '../graph/adaptive.limiter';
import { GraphConcurrency } from '../graph/graph-concurrency.service';
import { mailboxLogEntry } from './contact-sync-log-entries';
import { ContactFolderEntity } from './contact-folder.entity';
import { mailboxKey, parseMailboxKey } from './contact-owner';
import { planRemovedMailboxes } from './contact-sync.planner';
import { ContactSyncApplier } from './contact-sync.applier';
import { ContactSyncMailboxProcessor } from './contact-sync-mailbox.processor';
import {
  type ContactSyncRunContext,
  type MailboxReport,
  type SyncMailbox,
  bump,
} from './contact-sync-run.context';
import { type ContactSyncSettingsEntity } from './contact-sync-settings.entity';
import { ContactSyncSettingsService } from './contact-sync-settings.service';
import { ContactMailboxSources } from './contact-mailbox.sources';
import { type ProvisioningLogDraft } from '../provisioning-log/provisioning-log-entry';
import { ProvisioningLogWriter } from '../provisioning-log/provisioning-log.writer';
import { SyncRunEntity } from '../runs/sync-run.entity';
import { RunMode, type RunTrigger, SyncKind } from '../runs/sync-run-status';
import { SyncRunExecutor } from '../runs/sync-run.executor';
import { SyncRunsService } from '../runs/sync-runs.service';
import { type FeatureSwitches } from '../settings/feature-switches';
import { TenantSettingsService } from '../settings/tenant-settings.service';

/** Progress (the run's heartbeat) is saved at most this often. */
const PROGRESS_EVERY_MS = 2_000;

export interface ContactRunRequest {
  trigger: RunTrigger;
  full?: boolean;
  /** The job the run executes in (set by the job handlers): a retried job resumes its run. */
  jobId?: string;
}

interface Prepared {
  run: SyncRunEntity;
  settings: ContactSyncSettingsEntity;
  features: FeatureSwitches;
  context: ContactSyncRunContext;
}

/** The mode reason of a run the admin asked to be full. */
const FULL_REQUESTED = 'A full run was requested';

/**
 * Runs contact syncs: decides which mailboxes feed which address book (synced users in the scope, and the listed
 * shared mailboxes), removes what is no longer synced, then syncs the mailboxes in parallel. One run per tenant.
 */
@Injectable()
export class ContactSyncRunner {
  private readonly logger = new Logger(ContactSyncRunner.name);

  constructor(
    private readonly em: EntityManager,
    private readonly connection: TenantSettingsService,
    private readonly contactSettings: ContactSyncSettingsService,
    private readonly sources: ContactMailboxSources,
    private readonly mailboxes: ContactSyncMailboxProcessor,
    private readonly applier: ContactSyncApplier,
    private readonly log: ProvisioningLogWriter,
    private readonly runs: SyncRunsService,
    private readonly executor: SyncRunExecutor,
    private readonly jobs: SyncJobs,
    private readonly concurrency: GraphConcurrency,
  ) {}

  /** Records the run (and takes the tenant's lock), then queues it: whichever instance takes the job runs it. */
  async start(pbxTenantId: string, request: ContactRunRequest): Promise<SyncRunEntity> {
    const { run } = await this.prepare(pbxTenantId, { ...request, jobId: randomUUID() });
    await this.runs.queued(run, () =>
      this.jobs.startRun(SyncKind.Contacts, run, request.full ? { full: true } : {}),
    );
    return run;
  }

  /** Runs to the end; for the job handlers. */
  async runNow(pbxTenantId: string, request: ContactRunRequest): Promise<SyncRunEntity> {
    const prepared = await this.prepare(pbxTenantId, request);
    await this.execute(prepared);
    return prepared.run;
  }

  /**
   * An incremental run of only these mailboxes, for change notifications: it reads nothing of the other mailboxes
   * and removes nothing, so a contact edit costs a few delta requests, not a pass over the tenant. Only mailboxes a
   * run synced before and that are still meant to be synced count (the feature is on, the user's link is active and
   * selected, the shared mailbox is still listed); the department filter is left to the scheduled run, which reads
   * departments from Microsoft 365. Null when none qualifies: new mailboxes are the scheduled run's business.
   */
  async runMailboxes(
    pbxTenantId: string,
    mailboxIds: readonly string[],
    trigger: RunTrigger,
    jobId?: string,
  ): Promise<SyncRunEntity | null> {
    const connection = await this.connection.requireConfigured(pbxTenantId);
    if (!connection.enabled || mailboxIds.length === 0) return null;
    const settings = await this.contactSettings.get(pbxTenantId);
    const mailboxes = await this.sources.syncedMailboxes(
      pbxTenantId,
      mailboxIds,
      connection.features,
      settings,
    );
    if (mailboxes.length === 0) return null;
    const prepared = await this.prepare(pbxTenantId, { trigger, ...(jobId ? { jobId } : {}) });
    await this.executor.execute(
      prepared.run,
      'Contact sync',
      () => this.syncOnly(prepared, mailboxes),
      () => prepared.context.heartbeat(),
    );
    return prepared.run;
  }

  private async syncOnly({ run, context }: Prepared, mailboxes: SyncMailbox[]): Promise<void> {
    run.progress.usersRead = mailboxes.length;
    await this.runs.save(run);
    await this.processMailboxes(context, mailboxes, []);
  }

  private async processMailboxes(
    context: ContactSyncRunContext,
    mailboxes: SyncMailbox[],
    reports: MailboxReport[],
  ): Promise<void> {
    const { run } = context;
    await forEachLimited(mailboxes, this.concurrency.ceiling, async (mailbox) => {
      const report = await this.mailboxes.process(context, mailbox);
      reports.push(report);
      const entry = mailboxLogEntry(report);
      if (entry) await this.log.write(this.em.fork(), run, [entry]);
      bump(run.counts, report.status === 'FAILED' ? 'mailboxes.failed' : 'mailboxes.synced');
      bump(run.counts, 'folders', report.folders);
      bump(run.counts, 'folders.removed', report.foldersRemoved);
      bump(run.counts, 'folders.fullPass', report.fullPasses);
      bump(run.counts, 'contacts.upserted', report.upserted);
      bump(run.counts, 'contacts.deleted', report.deleted);
      run.progress.usersProcessed++;
      run.plan = reports;
      await context.progress();
    });
    run.plan = reports;
  }

  private async prepare(pbxTenantId: string, request: ContactRunRequest): Promise<Prepared> {
    const connection = await this.connection.requireConfigured(pbxTenantId);
    const { features } = connection;
    if (!connection.enabled || (!features.personalContacts && !features.sharedMailboxes)) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.Disabled,
        connection.enabled
          ? 'Contact sync is switched off for this tenant (personal contacts and shared mailboxes)'
          : 'Microsoft 365 is switched off for this tenant',
        { action: 'Switch on personal contacts or shared mailboxes in the Microsoft 365 settings first.' },
      );
    }
    const settings = await this.contactSettings.get(pbxTenantId);
    const synced = await this.em.fork().count(ContactFolderEntity, { pbxTenantId });
    const reason = request.full
      ? FULL_REQUESTED
      : synced === 0
        ? 'First run: every contact folder is read'
        : null;
    const run = await this.runs.begin({
      pbxTenantId,
      kind: SyncKind.Contacts,
      trigger: request.trigger,
      mode: reason === null ? RunMode.Incremental : RunMode.Full,
      modeReason: reason,
      dryRun: false,
      jobId: request.jobId ?? null,
    });
    let lastSave = Date.now();
    let saving: Promise<void> = Promise.resolve();
    const context: ContactSyncRunContext = {
      run,
      target: { pbxTenantId, cloud: connection.cloud },
      full: request.full ?? false,
      requests: this.concurrency.limiter(pbxTenantId, 'contacts'),
      progress: () => {
        if (Date.now() - lastSave < PROGRESS_EVERY_MS) return saving;
        return context.heartbeat();
      },
      heartbeat: () => {
        lastSave = Date.now();
        // Mailboxes run in parallel: one save at a time, in order; a failed save is retried by the next one.
        saving = saving
          .then(() => this.runs.save(run))
          .catch((error: unknown) =>
            this.logger.warn(
              `Progress of run ${run.id} not saved (the next save retries): ${describeUnexpected(error)}`,
            ),
          );
        return saving;
      },
    };
    return { run, settings, features, context };
  }

  private async execute(prepared: Prepared): Promise<void> {
    await this.executor.execute(
      prepared.run,
      'Contact sync',
      () => this.sync(prepared),
      () => prepared.context.heartbeat(),
    );
  }

  private async sync({ run, settings, features, context }: Prepared): Promise<void> {
    const desired: SyncMailbox[] = [];
    const protectedKeys = new Set<string>();
    const stored = await this.sources.storedMailboxes(run.pbxTenantId);
    if (features.personalContacts) desired.push(...(await this.sources.personalMailboxes(context, settings)));
    if (features.sharedMailboxes) {
      const notSynced: ProvisioningLogDraft[] = [];
      desired.push(
        ...(await this.sources.sharedMailboxes(context, settings, stored, protectedKeys, notSynced)),
      );
      await this.log.write(this.em.fork(), run, notSynced);
    }
    const desiredKeys = new Set(desired.map((m) => mailboxKey(m.owner, m.mailboxId)));
    // A feature switched off stops syncing; it does not delete what was synced.
    const removable = [...stored.keys()].filter((key) =>
      parseMailboxKey(key).owner === 'company' ? features.sharedMailboxes : features.personalContacts,
    );
    const reports: MailboxReport[] = [];
    for (const key of planRemovedMailboxes(desiredKeys, removable, protectedKeys)) {
      const { owner, mailboxId } = parseMailboxKey(key);
      const report: MailboxReport = {
        mailbox: stored.get(key) ?? null,
        objectId: mailboxId,
        owner: owner === 'company' ? 'company' : 'user',
        pbxUserId: owner === 'company' ? null : owner.slice('user:'.length),
        status: 'REMOVED',
        folders: 0,
        foldersRemoved: 0,
        fullPasses: 0,
        upserted: 0,
        deleted: 0,
      };
      await this.em.fork().transactional(async (em) => {
        report.deleted = await this.applier.removeMailbox(em, run.pbxTenantId, owner, mailboxId);
        const entry = mailboxLogEntry(report);
        if (entry) await this.log.write(em, run, [entry]);
      });
      bump(run.counts, 'mailboxes.removed');
      bump(run.counts, 'contacts.deleted', report.deleted);
      reports.push(report);
    }
    run.progress.usersRead = desired.length;
    await this.runs.save(run);
    await this.processMailboxes(context, desired, reports);
  }
}
