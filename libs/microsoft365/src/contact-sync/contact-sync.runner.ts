import { describeUnexpected } from '../common/database-failure';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { SyncJobs } from '../jobs/sync-jobs';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { forEachLimited } from '../graph/adaptive.limiter';
import { GraphConcurrency } from '../graph/graph-concurrency.service';
import { mailboxLogEntry, sharedMailboxNotSynced } from './contact-sync-log-entries';
import { ContactFolderEntity } from './contact-folder.entity';
import { mailboxKey, parseMailboxKey } from './contact-owner';
import { evaluateContactScope, planRemovedMailboxes } from './contact-sync.planner';
import { ContactSyncApplier } from './contact-sync.applier';
import { ContactSyncMailboxProcessor, RUN_LEVEL_CODES } from './contact-sync-mailbox.processor';
import {
  type ContactSyncRunContext,
  type MailboxReport,
  type SyncMailbox,
  bump,
} from './contact-sync-run.context';
import { type ContactSyncSettingsEntity } from './contact-sync-settings.entity';
import { ContactSyncSettingsService, toContactScope } from './contact-sync-settings.service';
import { OutlookContactsReader } from './outlook-contacts.reader';
import { type ProvisioningLogDraft } from '../provisioning-log/provisioning-log-entry';
import { ProvisioningLogWriter } from '../provisioning-log/provisioning-log.writer';
import { SyncRunEntity } from '../runs/sync-run.entity';
import { RunMode, type RunTrigger, SyncKind } from '../runs/sync-run-status';
import { SyncRunExecutor } from '../runs/sync-run.executor';
import { SyncRunsService } from '../runs/sync-runs.service';
import { type FeatureSwitches } from '../settings/feature-switches';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { UserLinkEntity } from '../user-sync/user-link.entity';
import { LinkState } from '../user-sync/user-sync-plan';

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
    private readonly reader: OutlookContactsReader,
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
    const mailboxes = await this.syncedMailboxes(pbxTenantId, mailboxIds, connection.features, settings);
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

  private async syncedMailboxes(
    pbxTenantId: string,
    mailboxIds: readonly string[],
    features: FeatureSwitches,
    settings: ContactSyncSettingsEntity,
  ): Promise<SyncMailbox[]> {
    const em = this.em.fork();
    const rows = await em.find(
      ContactFolderEntity,
      { pbxTenantId, mailboxId: { $in: [...mailboxIds] } },
      { fields: ['owner', 'mailboxId', 'userPrincipalName'] },
    );
    const listed = new Set(settings.sharedMailboxes.map((m) => m.trim().toLowerCase()));
    const scope = { ...toContactScope(settings), departments: new Set<string>() };
    // One query for the links of every personal mailbox notified (a row per folder, many folders per mailbox).
    const personal = rows.filter((row) => row.owner !== 'company').map((row) => row.mailboxId);
    const links =
      features.personalContacts && personal.length > 0
        ? await em.find(
            UserLinkEntity,
            { pbxTenantId, objectId: { $in: [...new Set(personal)] }, state: LinkState.Active },
            { fields: ['objectId', 'pbxUserId', 'userPrincipalName'] },
          )
        : [];
    const linkByMailbox = new Map(
      links.map((link) => [mailboxKey(`user:${link.pbxUserId ?? ''}`, link.objectId), link]),
    );
    const mailboxes = new Map<string, SyncMailbox>();
    for (const row of rows) {
      const key = mailboxKey(row.owner, row.mailboxId);
      if (mailboxes.has(key)) continue;
      const mailbox: SyncMailbox = {
        owner: row.owner,
        mailboxId: row.mailboxId,
        userPrincipalName: row.userPrincipalName,
      };
      if (row.owner === 'company') {
        if (features.sharedMailboxes && listed.has((row.userPrincipalName ?? '').toLowerCase()))
          mailboxes.set(key, mailbox);
        continue;
      }
      const link = linkByMailbox.get(key);
      if (!link) continue;
      const candidate = { objectId: link.objectId, userPrincipalName: link.userPrincipalName };
      if (evaluateContactScope(candidate, scope).inScope) mailboxes.set(key, mailbox);
    }
    return [...mailboxes.values()];
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
    const stored = await this.storedMailboxes(run.pbxTenantId);
    if (features.personalContacts) desired.push(...(await this.personalMailboxes(context, settings)));
    if (features.sharedMailboxes) {
      const notSynced: ProvisioningLogDraft[] = [];
      desired.push(...(await this.sharedMailboxes(context, settings, stored, protectedKeys, notSynced)));
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

  /** Synced users (links with a PBX user that are active) in the contact sync scope. */
  private async personalMailboxes(
    context: ContactSyncRunContext,
    settings: ContactSyncSettingsEntity,
  ): Promise<SyncMailbox[]> {
    const { run } = context;
    const scope = toContactScope(settings);
    const links = await this.em
      .fork()
      .find(
        UserLinkEntity,
        { pbxTenantId: run.pbxTenantId, state: LinkState.Active, pbxUserId: { $ne: null } },
        { fields: ['objectId', 'pbxUserId', 'userPrincipalName'], orderBy: { objectId: 'asc' } },
      );
    const departments = scope.departments.size > 0 ? await this.reader.departments(context.target) : null;
    const mailboxes: SyncMailbox[] = [];
    for (const link of links) {
      const verdict = evaluateContactScope(
        {
          objectId: link.objectId,
          userPrincipalName: link.userPrincipalName,
          department: departments?.get(link.objectId) ?? null,
        },
        scope,
      );
      if (!verdict.inScope) {
        bump(run.counts, `outOfScope.${verdict.reason}`);
        continue;
      }
      mailboxes.push({
        owner: `user:${link.pbxUserId ?? ''}`,
        mailboxId: link.objectId,
        userPrincipalName: link.userPrincipalName,
      });
    }
    return mailboxes;
  }

  /**
   * The listed shared mailboxes that Microsoft 365 confirms as shared. A lookup that failed keeps what was synced
   * from that mailbox (the failure may be passing); a mailbox that is not shared is reported and not synced.
   */
  private async sharedMailboxes(
    context: ContactSyncRunContext,
    settings: ContactSyncSettingsEntity,
    stored: ReadonlyMap<string, string | null>,
    protectedKeys: Set<string>,
    notSynced: ProvisioningLogDraft[],
  ): Promise<SyncMailbox[]> {
    if (settings.sharedMailboxes.length === 0) return [];
    const { run } = context;
    const { found, failed } = await this.reader.resolveMailboxes(context.target, settings.sharedMailboxes);
    for (const failure of failed) {
      const upn = failure.userPrincipalName.toLowerCase();
      for (const [key, storedUpn] of stored) {
        if (parseMailboxKey(key).owner === 'company' && storedUpn?.toLowerCase() === upn)
          protectedKeys.add(key);
      }
      const error = failure.error;
      if (RUN_LEVEL_CODES.has(error.code)) throw error;
      const issue = {
        objectId: '-',
        userPrincipalName: failure.userPrincipalName,
        severity: 'error' as const,
        code: error.code,
        message:
          error.code === Microsoft365ErrorCode.GraphNotFound
            ? `Shared mailbox not synced: Microsoft 365 has no mailbox ${failure.userPrincipalName}`
            : `Shared mailbox not synced: ${error.message}`,
        action:
          error.code === Microsoft365ErrorCode.GraphNotFound
            ? 'Check the address in the contact sync settings, or pick the mailbox from the candidates.'
            : error.code === Microsoft365ErrorCode.PermissionMissing
              ? 'Grant the application permissions MailboxSettings.Read and Contacts.Read with admin consent in Entra.'
              : error.action,
        ...(error.microsoft ? { microsoft: error.microsoft } : {}),
      };
      SyncRunsService.addIssue(run, issue);
      notSynced.push(sharedMailboxNotSynced({ ...failure, objectId: null }, true, error.code, issue.message));
      bump(run.counts, 'mailboxes.failed');
    }
    const mailboxes: SyncMailbox[] = [];
    for (const mailbox of found) {
      if (mailbox.userPurpose !== 'shared') {
        // Publishing a person's own mailbox to every user of the tenant would be a privacy incident.
        const message = `${mailbox.userPrincipalName} is not a shared mailbox (its purpose is ${mailbox.userPurpose ?? 'unknown'}): its contacts are not published as company contacts`;
        SyncRunsService.addIssue(run, {
          objectId: mailbox.objectId,
          userPrincipalName: mailbox.userPrincipalName,
          severity: 'error',
          code: 'NOT_A_SHARED_MAILBOX',
          message,
          action: 'Remove it from the shared mailboxes, or convert it to a shared mailbox in Exchange.',
        });
        notSynced.push(sharedMailboxNotSynced(mailbox, false, 'NOT_A_SHARED_MAILBOX', message));
        bump(run.counts, 'mailboxes.failed');
        continue;
      }
      mailboxes.push({
        owner: 'company',
        mailboxId: mailbox.objectId,
        userPrincipalName: mailbox.userPrincipalName.toLowerCase(),
      });
    }
    return mailboxes;
  }

  /** Mailboxes synced before, by owner + mailbox key, with the UPN last seen. */
  private async storedMailboxes(pbxTenantId: string): Promise<Map<string, string | null>> {
    const rows = await this.em
      .fork()
      .find(ContactFolderEntity, { pbxTenantId }, { fields: ['owner', 'mailboxId', 'userPrincipalName'] });
    const stored = new Map<string, string | null>();
    for (const row of rows) stored.set(mailboxKey(row.owner, row.mailboxId), row.userPrincipalName);
    return stored;
  }
}
