import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { SyncJobs } from '../jobs/sync-jobs';
import { CLOCK, type Clock } from '../common/clock';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { PBX_DIRECTORY, type PbxDirectoryPort } from '../ports/pbx-directory.port';
import { SyncRunEntity } from '../runs/sync-run.entity';
import { DeletionGuardState, RunMode, RunStatus, RunTrigger, SyncKind } from '../runs/sync-run-status';
import { SyncRunExecutor } from '../runs/sync-run.executor';
import { SyncRunsService } from '../runs/sync-runs.service';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { extensionRangeOf } from './extension-range';
import { ExtensionAllocator } from './extension.allocator';
import { GroupScopeResolver } from './group-scope.resolver';
import { Microsoft365DirectoryReader } from './microsoft365-directory.reader';
import { activeLinks, forEachActiveLinkSlice } from './page-links';
import { PendingPhotoWrites } from './pending-photo-writes';
import { UserSyncPageProcessor } from './user-sync-page.processor';
import { type UserSyncRunContext } from './user-sync-run.context';
import { type LeaverAction } from './user-sync-plan';
import { UserSyncSettingsService, scopeFingerprint, toUserScope } from './user-sync-settings.service';
import { UserSyncFinisher } from './user-sync.finisher';
import { lastOfEach, readAhead } from './read-ahead';
import { planLeavers, planMissing } from './user-sync.planner';
import { changedUsers, fullRunReason, type RequestedRunMode } from './user-sync-run-mode';

export interface RunRequest {
  trigger: RunTrigger;
  /** Only an admin's manual run asks: it is full unless `incremental` is asked for (see `fullRunReason`). */
  mode?: RequestedRunMode;
  dryRun?: boolean;
  /** The job the run executes in (set by the job handlers): a retried job resumes its run. */
  jobId?: string;
}

interface Prepared {
  run: SyncRunEntity;
  context: UserSyncRunContext;
}

/** Active links read at a time when a full run looks for the users Graph no longer returns. */
const LINK_SLICE = 5_000;

/**
 * Pages whose photos may still be in progress while the run goes on: enough for the photo requests of one page to
 * overlap the next page's, few enough that a run holds two pages of photos at most.
 */
const PHOTO_PAGES_IN_FLIGHT = 2;

/** Told after each successful (non-dry) user sync run; the contact and group syncs' "after user sync" schedule. */
export const USER_SYNC_LISTENER = Symbol('USER_SYNC_LISTENER');

export interface UserSyncListener {
  /**
   * `changedUsers`: PBX users the run created, linked, updated (re-enabled included), disabled or deleted; 0 for
   * an idle run. Must not throw or block: the user sync is already finished.
   */
  userSyncSucceeded(pbxTenantId: string, outcome: { changedUsers: number }): void;
}

/**
 * Runs user syncs: decides full or incremental, reads Graph page by page, hands each page to the planner and the
 * applier, and decides leavers at the end, behind the deletion guard. One run per tenant at a time.
 */
@Injectable()
export class UserSyncRunner {
  private readonly logger = new Logger(UserSyncRunner.name);

  constructor(
    private readonly em: EntityManager,
    private readonly connection: TenantSettingsService,
    private readonly userSyncSettings: UserSyncSettingsService,
    private readonly reader: Microsoft365DirectoryReader,
    private readonly groupScopes: GroupScopeResolver,
    private readonly pages: UserSyncPageProcessor,
    private readonly finisher: UserSyncFinisher,
    private readonly runs: SyncRunsService,
    private readonly executor: SyncRunExecutor,
    private readonly jobs: SyncJobs,
    @Inject(PBX_DIRECTORY) private readonly directory: PbxDirectoryPort,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(USER_SYNC_LISTENER) private readonly listener?: UserSyncListener,
  ) {}

  /**
   * Records the run (and takes the tenant's lock), then queues it: whichever instance takes the job runs it, and
   * another resumes it if that instance stops.
   */
  async start(pbxTenantId: string, request: RunRequest): Promise<SyncRunEntity> {
    const { run } = await this.prepare(pbxTenantId, { ...request, jobId: randomUUID() });
    await this.runs.queued(run, () =>
      this.jobs.startRun(SyncKind.Users, run, {
        ...(request.mode ? { mode: request.mode } : {}),
        ...(request.dryRun ? { dryRun: true } : {}),
      }),
    );
    return run;
  }

  /** Runs to the end; for the job handlers. */
  async runNow(pbxTenantId: string, request: RunRequest): Promise<SyncRunEntity> {
    const prepared = await this.prepare(pbxTenantId, request);
    await this.execute(prepared);
    return prepared.run;
  }

  /** Syncs one user now and says what was done, like Entra's provision on demand. */
  async onDemand(
    pbxTenantId: string,
    userPrincipalName: string,
  ): Promise<{ run: SyncRunEntity; objectId: string | null; steps: string[] }> {
    const prepared = await this.prepare(pbxTenantId, { trigger: RunTrigger.OnDemand });
    const { run, context } = prepared;
    context.steps = new Map();
    const steps: string[] = [];
    let objectId: string | null = null;
    await this.guarded(context, async () => {
      // Without the group members every user would look in scope: a non-member would be created now and
      // disabled again by the next run. The emulator (and so the tests) knows no `transitiveMemberOf` or
      // `checkMemberGroups`, so the members are listed as a full run lists them: one request per 999 members.
      if (context.settings.groupIds.length > 0) {
        const { members } = await this.reader.groupClosure(context.target, context.settings.groupIds);
        context.scope = toUserScope(context.settings, members);
      }
      const user = await this.reader.findUser(context.target, userPrincipalName);
      if (!user) {
        throw new Microsoft365Exception(
          Microsoft365ErrorCode.NotFound,
          `Microsoft 365 has no user ${userPrincipalName}`,
          { action: 'Check the user principal name (sign-in name) in the Microsoft 365 admin center.' },
        );
      }
      objectId = user.id;
      steps.push(`Found ${user.userPrincipalName} in Microsoft 365 (object id ${user.id})`);
      await this.pages.process(context, [user]);
      await context.photoWrites.drain();
      const leaver = context.leavers.get(user.id);
      if (leaver) await this.finisher.applyLeavers(context, [leaver]);
      const done = context.steps?.get(user.id) ?? [];
      steps.push(...(done.length > 0 ? done : [this.explainNoAction(context, user.id)]));
      run.plan = steps;
    });
    return { run, objectId, steps };
  }

  /** Applies the leavers a deletion guard held back, after an admin confirmed them. */
  async confirmStaged(pbxTenantId: string, runId: string, decidedBy: string | null): Promise<SyncRunEntity> {
    const staged = await this.finisher.pendingStaged(pbxTenantId, runId);
    const prepared = await this.prepare(pbxTenantId, { trigger: RunTrigger.Confirmation });
    await this.guarded(prepared.context, async () => {
      await this.finisher.applyLeavers(prepared.context, staged.stagedRemovals.actions as LeaverAction[]);
      await this.finisher.decide(staged, DeletionGuardState.Confirmed, decidedBy);
    });
    return prepared.run;
  }

  async rejectStaged(pbxTenantId: string, runId: string, decidedBy: string | null): Promise<SyncRunEntity> {
    const staged = await this.finisher.pendingStaged(pbxTenantId, runId);
    await this.finisher.decide(staged, DeletionGuardState.Rejected, decidedBy);
    return this.runs.get(pbxTenantId, runId);
  }

  private async prepare(pbxTenantId: string, request: RunRequest): Promise<Prepared> {
    const connection = await this.connection.requireConfigured(pbxTenantId);
    if (!connection.enabled || !connection.features.userSync) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.Disabled,
        connection.enabled
          ? 'User sync is switched off for this tenant'
          : 'Microsoft 365 is switched off for this tenant',
        { action: 'Switch it on in the Microsoft 365 settings first.' },
      );
    }
    const settings = await this.userSyncSettings.get(pbxTenantId);
    const reason = fullRunReason({
      trigger: request.trigger,
      requested: request.mode,
      deltaLink: settings.deltaLink,
      sameScope: settings.deltaScope === scopeFingerprint(settings),
      lastFullRunAt: settings.lastFullRunAt,
      now: this.clock.now(),
    });
    const run = await this.runs.begin({
      pbxTenantId,
      kind: SyncKind.Users,
      trigger: request.trigger,
      mode: reason === null ? RunMode.Incremental : RunMode.Full,
      modeReason: reason,
      dryRun: request.dryRun ?? false,
      jobId: request.jobId ?? null,
    });
    return {
      run,
      context: {
        run,
        target: { pbxTenantId, cloud: connection.cloud },
        settings,
        scope: toUserScope(settings, null),
        allocator: new ExtensionAllocator(pbxTenantId, extensionRangeOf(settings), this.directory),
        seen: new Set(),
        leavers: new Map(),
        photos: settings.syncPhotos,
        photoWrites: new PendingPhotoWrites(PHOTO_PAGES_IN_FLIGHT),
      },
    };
  }

  private async execute({ run, context }: Prepared): Promise<void> {
    await this.guarded(context, async () => {
      await this.resolveGroupScope(context, run.mode === RunMode.Incremental);
      if (run.mode === RunMode.Incremental && context.settings.deltaLink) {
        try {
          await this.incremental(context, context.settings.deltaLink);
          return;
        } catch (error) {
          if (!(error instanceof Microsoft365Exception) || error.code !== Microsoft365ErrorCode.DeltaExpired)
            throw error;
          this.logger.log(`PBX tenant ${run.pbxTenantId}: the delta link expired, switching to a full run`);
          run.mode = RunMode.Full;
          run.modeReason = 'The delta link expired (Microsoft keeps them 7 days): every user is read again';
          context.seen.clear();
          context.leavers.clear();
        }
      }
      await this.full(context);
    });
    const status: RunStatus = run.status;
    if (!run.dryRun && (status === RunStatus.Succeeded || status === RunStatus.CompletedWithErrors)) {
      this.listener?.userSyncSucceeded(run.pbxTenantId, { changedUsers: changedUsers(run.counts) });
    }
  }

  /**
   * Fills in the members of the scope's groups (nested groups included); nothing to do without a group filter.
   * An incremental run reuses the stored members when the groups delta shows no membership change in the scope.
   */
  private async resolveGroupScope(context: UserSyncRunContext, incremental: boolean): Promise<void> {
    if (context.settings.groupIds.length === 0) return;
    context.groupScope = await this.groupScopes.resolve(context.target, context.settings, incremental);
    context.scope = toUserScope(context.settings, context.groupScope.members);
  }

  /** Runs `work` inside the run frame; on-demand and confirmation runs answer their failure to the caller. */
  private async guarded(context: UserSyncRunContext, work: () => Promise<void>): Promise<void> {
    const { run } = context;
    const failure = await this.executor.execute(run, 'User sync', async () => {
      try {
        await work();
      } catch (error) {
        // Nothing of the run may still be writing photos when its failure is reported.
        await context.photoWrites.settle();
        throw error;
      }
      await context.photoWrites.drain();
    });
    if (failure && (run.trigger === RunTrigger.OnDemand || run.trigger === RunTrigger.Confirmation))
      throw failure;
  }

  private async full(context: UserSyncRunContext): Promise<void> {
    // Taken before the listing: what changes while we read is replayed by the next incremental run.
    const deltaLink = await this.reader.latestDeltaLink(context.target);
    for await (const users of readAhead(this.reader.allUsers(context.target))) {
      for (const user of users) context.seen.add(user.id);
      await this.pages.process(context, users);
    }
    // Before the delta link is stored: a photo that failed is fetched again by the next run.
    await context.photoWrites.drain();
    // A slice of the active links at a time: a 100,000-user run does not hold every link at once.
    await forEachActiveLinkSlice(this.em.fork(), context.run.pbxTenantId, LINK_SLICE, (links) => {
      const missing = links.filter((l) => !context.seen.has(l.objectId));
      for (const leaver of planMissing(missing, { leaverPolicy: context.settings.leaverPolicy })) {
        context.leavers.set(leaver.objectId, leaver);
      }
    });
    await this.finisher.finish(context, deltaLink, true);
  }

  private async incremental(context: UserSyncRunContext, fromLink: string): Promise<void> {
    let deltaLink: string | undefined;
    for await (const page of readAhead(this.reader.changesSince(context.target, fromLink))) {
      await this.pages.process(context, lastOfEach(page.entries));
      for (const entry of page.entries) context.seen.add(entry.id);
      deltaLink = page.deltaLink ?? deltaLink;
    }
    const members = context.scope.groupMembers;
    // Reused members: no group of the scope changed members since they were stored, and the users that changed
    // came through the users' delta above, so there is nothing to compare (and an idle run reads nothing more).
    if (members && context.groupScope?.readReason !== null) {
      // Membership changes do not show in the users' delta: compare the members with the links instead.
      const active = await activeLinks(this.em.fork(), context.run.pbxTenantId);
      const activeIds = new Set(active.map((l) => l.objectId));
      const newcomers = [...members].filter((id) => !activeIds.has(id) && !context.seen.has(id));
      if (newcomers.length > 0) {
        await this.pages.process(context, await this.reader.usersByIds(context.target, newcomers));
      }
      const departed = active.filter((l) => !members.has(l.objectId) && !context.seen.has(l.objectId));
      for (const leaver of planLeavers(departed, 'group', { leaverPolicy: context.settings.leaverPolicy })) {
        context.leavers.set(leaver.objectId, leaver);
      }
    }
    await context.photoWrites.drain();
    if (!deltaLink) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.GraphRequestFailed,
        'Graph ended a delta round without a deltaLink',
        {
          action: 'A temporary problem at Microsoft is likely; the next run tries again.',
        },
      );
    }
    await this.finisher.finish(context, deltaLink, false);
  }

  private explainNoAction(context: UserSyncRunContext, objectId: string): string {
    const outOfScope = context.run.issues.find((i) => i.objectId === objectId);
    if (outOfScope) return outOfScope.message;
    return 'Already up to date in the PBX: nothing to change';
  }
}
