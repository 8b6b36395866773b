import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { PBX_DIRECTORY, type PbxDirectoryPort, type PbxDirectoryUser } from '../ports/pbx-directory.port';
import { ProvisioningLogWriter } from '../provisioning-log/provisioning-log.writer';
import { SyncRunsService } from '../runs/sync-runs.service';
import { type DirectoryEntry } from './microsoft365-directory.reader';
import { type Microsoft365User } from './microsoft365-user';
import { pbxOwnedFields } from './field-ownership';
import { evaluateScope } from './user-scope';
import { MAX_PLAN_ENTRIES, type UserSyncRunContext } from './user-sync-run.context';
import { EXTENSION_RANGE_FULL } from './extension.allocator';
import { withoutOwnPhone } from './business-phone-write-back';
import { BusinessPhoneWriter } from './business-phone.writer';
import { loadNumbering } from './extension-availability';
import { extensionRangeOf } from './extension-range';
import { extensionSourceIssues } from './extension-source';
import { MatchCandidatesFinder } from './match-candidates.finder';
import { loadPageLinks, type PageLink } from './page-links';
import { type PagePlan, type PlanContext, type UserSyncAction } from './user-sync-plan';
import { type ApplyResult, UserSyncApplier } from './user-sync.applier';
import { UserPhotoApplier } from './user-photo.applier';
import { UserPhotosFetcher } from './user-photos.fetcher';
import { isLeaverAction, planUsers } from './user-sync.planner';

const NO_CANDIDATES: PlanContext['matchable'] = { byUserPrincipalName: new Map(), byEmail: new Map() };

/**
 * One page of Microsoft 365 users through the sync: load what the planner needs from our links and the PBX (each
 * lookup once per page), plan (pure), and apply the page in one transaction while its changed photos are read
 * from Graph; the photos are written after the page, while the next pages go on.
 */
@Injectable()
export class UserSyncPageProcessor {
  constructor(
    private readonly em: EntityManager,
    private readonly applier: UserSyncApplier,
    private readonly photoApplier: UserPhotoApplier,
    private readonly runs: SyncRunsService,
    private readonly log: ProvisioningLogWriter,
    @Inject(PBX_DIRECTORY) private readonly directory: PbxDirectoryPort,
    private readonly phones: BusinessPhoneWriter,
    private readonly candidates: MatchCandidatesFinder,
    private readonly photos: UserPhotosFetcher,
  ) {}

  async process(context: UserSyncRunContext, entries: DirectoryEntry[]): Promise<void> {
    const { run } = context;
    const pbxTenantId = run.pbxTenantId;
    run.progress.pagesRead++;
    run.progress.usersRead += entries.length;
    if (entries.length === 0) {
      await this.runs.save(run);
      return;
    }
    const em = this.em.fork();
    // The page's links, read once: the planner, the applier and the photos all work from these.
    const links = await loadPageLinks(
      em,
      pbxTenantId,
      entries.map((e) => e.id),
    );
    const linkedIds: string[] = [];
    for (const link of links.values()) if (link.pbxUserId) linkedIds.push(link.pbxUserId);
    const pbxUsers = new Map<string, PbxDirectoryUser>();
    if (linkedIds.length > 0) {
      for (const user of await this.directory.findUsers(pbxTenantId, { ids: linkedIds }))
        pbxUsers.set(user.id, user);
    }
    const users = entries.filter((e): e is Microsoft365User => !('removed' in e));
    const matchable = context.settings.linkExistingUsers
      ? await this.candidates.matchable(
          em,
          context,
          users.filter((u) => !links.has(u.id)),
        )
      : NO_CANDIDATES;

    const numbering = await loadNumbering(
      em,
      this.directory,
      pbxTenantId,
      context.settings.extensionSource,
      extensionRangeOf(context.settings),
      users.filter((u) => !links.get(u.id)?.extension),
      context.allocator,
    );
    // Our own business phone coming back through delta is not Microsoft 365 data: it changes nothing in the PBX.
    const seen = entries.map((e) =>
      'removed' in e ? e : withoutOwnPhone(e, links.get(e.id)?.writtenBusinessPhone ?? null),
    );
    const plan = planUsers(seen, {
      scope: context.scope,
      pbxOwned: pbxOwnedFields(context.settings.fieldOwnership),
      leaverPolicy: context.settings.leaverPolicy,
      linkExistingUsers: context.settings.linkExistingUsers,
      links,
      pbxUsers,
      matchable,
      ...(numbering ? { numbering } : {}),
    });
    this.record(context, plan, users);
    const creates = plan.actions.filter((a) => a.action === 'create');
    context.allocator.claim(creates.flatMap((a) => (a.sourceExtension ? [a.sourceExtension] : [])));
    for (const issue of extensionSourceIssues(creates)) SyncRunsService.addIssue(run, issue);
    const actions = plan.actions.filter((a) => !isLeaverAction(a));
    for (const leaver of plan.actions.filter(isLeaverAction)) context.leavers.set(leaver.objectId, leaver);

    if (run.dryRun) {
      const planned = await this.allocateDryRun(em, context, actions);
      run.plan ??= [];
      run.plan.push(...planned.slice(0, Math.max(0, MAX_PLAN_ENTRIES - run.plan.length)));
    } else {
      await this.write(em, context, plan, actions, links);
      await this.phones.write(em, context, users);
    }
    run.progress.usersProcessed += entries.length;
    await this.runs.save(run);
  }

  /**
   * The page's users, links and log entries in one transaction: a page commits whole or not at all. Its photos are
   * read from Graph meanwhile and written after it, in their own transaction, while the next pages go on
   * (`PendingPhotoWrites`): the photo requests of consecutive pages overlap instead of draining at each page's end.
   */
  private async write(
    em: EntityManager,
    context: UserSyncRunContext,
    plan: PagePlan,
    actions: UserSyncAction[],
    links: ReadonlyMap<string, PageLink>,
  ): Promise<void> {
    const { run } = context;
    const pbxTenantId = run.pbxTenantId;
    const photos = context.photos ? settle(this.photos.fetch(context, plan, links)) : undefined;
    let applied: ApplyResult;
    try {
      applied = await em.transactional(async (tem) => {
        const result = await this.applier.apply(tem, pbxTenantId, actions, context.allocator, links);
        await this.log.write(tem, run, result.log);
        return result;
      });
    } catch (error) {
      // Nothing of the page may still be running when its failure is reported.
      await photos;
      throw error;
    }
    this.candidates.forget(context, applied.pbxUserIds.values());
    for (const [key, value] of Object.entries(applied.counts)) bump(run.counts, key, value);
    for (const issue of applied.issues) SyncRunsService.addIssue(run, issue);
    for (const [objectId, steps] of applied.steps) {
      context.steps?.set(objectId, [...(context.steps.get(objectId) ?? []), ...steps]);
    }
    if (!photos) return;
    const pbxUserId = (objectId: string) =>
      applied.pbxUserIds.get(objectId) ?? links.get(objectId)?.pbxUserId ?? null;
    await context.photoWrites.add(async () => {
      const fetched = await photos;
      if ('error' in fetched) throw fetched.error;
      if (fetched.value.length === 0) return;
      const photoCount = await this.em.fork().transactional((tem) =>
        this.photoApplier.apply(
          tem,
          pbxTenantId,
          fetched.value.map((p) => ({ ...p, pbxUserId: pbxUserId(p.objectId) })),
        ),
      );
      if (photoCount > 0) bump(run.counts, 'photos', photoCount);
    });
  }

  /**
   * A dry run hands out numbers with the run's own allocator, as the real run does (reading, never writing): the
   * plan shows each new user's extension, and a user the range has no number for is the same per-user
   * `EXTENSION_RANGE_FULL` the real run would report, counted as `planned.failed` instead of `planned.create`.
   */
  private async allocateDryRun(
    em: EntityManager,
    context: UserSyncRunContext,
    actions: UserSyncAction[],
  ): Promise<(UserSyncAction & { extension?: string })[]> {
    const { run } = context;
    const needed = actions.filter(
      (a) => a.action === 'create' && !a.reuseExtension && !a.sourceExtension,
    ).length;
    const fresh = needed > 0 ? await context.allocator.take(em, needed) : [];
    const planned: (UserSyncAction & { extension?: string })[] = [];
    for (const action of actions) {
      if (action.action !== 'create') {
        bump(run.counts, `planned.${action.action}`);
        planned.push(action);
        continue;
      }
      const extension = action.reuseExtension ?? action.sourceExtension ?? fresh.shift();
      if (extension) {
        bump(run.counts, 'planned.create');
        planned.push({ ...action, extension });
        continue;
      }
      bump(run.counts, 'planned.failed');
      SyncRunsService.addIssue(run, {
        objectId: action.objectId,
        userPrincipalName: action.userPrincipalName,
        severity: 'error',
        code: EXTENSION_RANGE_FULL.code,
        message: EXTENSION_RANGE_FULL.message,
        action: EXTENSION_RANGE_FULL.action,
      });
    }
    return planned;
  }

  private record(context: UserSyncRunContext, plan: PagePlan, users: Microsoft365User[]): void {
    const { run } = context;
    if (plan.unchanged > 0) bump(run.counts, 'unchanged', plan.unchanged);
    for (const [reason, n] of Object.entries(plan.outOfScope)) bump(run.counts, `outOfScope.${reason}`, n);
    if (!context.steps) return;
    for (const user of users) {
      const verdict = evaluateScope(user, context.scope);
      if (!verdict.inScope) context.steps.set(user.id, [`Out of the sync scope: ${verdict.reason}`]);
    }
  }
}

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** The outcome of a promise that runs beside other work, without an unhandled rejection while it waits. */
function settle<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}
