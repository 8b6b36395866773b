import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { PBX_DIRECTORY, type PbxDirectoryPort, type PbxDirectoryUser } from '../ports/pbx-directory.port';
import { ProvisioningLogWriter } from '../provisioning-log/provisioning-log.writer';
import { SyncRunsService } from '../runs/sync-runs.service';
import { type DirectoryEntry, Microsoft365DirectoryReader } from './microsoft365-directory.reader';
import { type Microsoft365User } from './microsoft365-user';
import { UserLinkEntity } from './user-link.entity';
import { pbxOwnedFields } from './field-ownership';
import { evaluateScope } from './user-scope';
import { MAX_PLAN_ENTRIES, type UserSyncRunContext } from './user-sync-run.context';
import { EXTENSION_RANGE_FULL } from './extension.allocator';
import { withoutOwnPhone } from './business-phone-write-back';
import { BusinessPhoneWriter } from './business-phone.writer';
import { loadNumbering } from './extension-availability';
import { extensionRangeOf } from './extension-range';
import { extensionSourceIssues } from './extension-source';
import { type PagePlan, type PhotoPlan, type UserLink, type UserSyncAction } from './user-sync-plan';
import { type PhotoUpdate, UserSyncApplier } from './user-sync.applier';
import { isLeaverAction, planUsers } from './user-sync.planner';

import { NO_PHOTO } from './user-sync.applier';

/**
 * One page of Microsoft 365 users through the sync: load what the planner needs from our links and the PBX,
 * plan, fetch changed photos, and apply the page in one transaction (Graph I/O stays outside it).
 */
@Injectable()
export class UserSyncPageProcessor {
  private readonly logger = new Logger(UserSyncPageProcessor.name);

  constructor(
    private readonly em: EntityManager,
    private readonly reader: Microsoft365DirectoryReader,
    private readonly applier: UserSyncApplier,
    private readonly runs: SyncRunsService,
    private readonly log: ProvisioningLogWriter,
    @Inject(PBX_DIRECTORY) private readonly directory: PbxDirectoryPort,
    private readonly phones: BusinessPhoneWriter,
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
    const linkRows = await em.find(UserLinkEntity, {
      pbxTenantId,
      objectId: { $in: entries.map((e) => e.id) },
    });
    const links = new Map<string, UserLink>(linkRows.map((l) => [l.objectId, l]));
    const linkedIds = linkRows.map((l) => l.pbxUserId).filter((id): id is string => id !== null);
    const pbxUsers = new Map(
      (linkedIds.length > 0 ? await this.directory.findUsers(pbxTenantId, { ids: linkedIds }) : []).map(
        (u) => [u.id, u],
      ),
    );
    const users = entries.filter((e): e is Microsoft365User => !('removed' in e));
    const matchable = context.settings.linkExistingUsers
      ? await this.matchable(
          em,
          pbxTenantId,
          users.filter((u) => !links.has(u.id)),
        )
      : { byUserPrincipalName: new Map(), byEmail: new Map() };

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
    const written = new Map(linkRows.map((l) => [l.objectId, l.writtenBusinessPhone]));
    const seen = entries.map((e) => ('removed' in e ? e : withoutOwnPhone(e, written.get(e.id) ?? null)));
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
      const photos = context.photos ? await this.photoUpdates(context, plan, linkRows) : [];
      await em.transactional(async (tem) => {
        const result = await this.applier.apply(tem, pbxTenantId, actions, context.allocator);
        await this.log.write(tem, run, result.log);
        const pbxUserIds = new Map([
          ...linkRows
            .filter((l) => l.pbxUserId)
            .map((l): [string, string] => [l.objectId, l.pbxUserId ?? '']),
          ...result.pbxUserIds,
        ]);
        const photoCount = await this.applier.applyPhotos(
          tem,
          pbxTenantId,
          photos.map((p) => ({ ...p, pbxUserId: pbxUserIds.get(p.objectId) ?? null })),
        );
        for (const [key, value] of Object.entries(result.counts)) bump(run.counts, key, value);
        if (photoCount > 0) bump(run.counts, 'photos', photoCount);
        for (const issue of result.issues) SyncRunsService.addIssue(run, issue);
        for (const [objectId, steps] of result.steps) {
          context.steps?.set(objectId, [...(context.steps.get(objectId) ?? []), ...steps]);
        }
      });
      await this.phones.write(em, context, users);
    }
    run.progress.usersProcessed += entries.length;
    await this.runs.save(run);
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

  /** PBX users no account is linked to yet, by UPN and email: candidates for linking instead of duplicating. */
  private async matchable(em: EntityManager, pbxTenantId: string, users: Microsoft365User[]) {
    const byUserPrincipalName = new Map<string, PbxDirectoryUser>();
    const byEmail = new Map<string, PbxDirectoryUser>();
    if (users.length === 0) return { byUserPrincipalName, byEmail };
    const found = await this.directory.findUsers(pbxTenantId, {
      userPrincipalNames: users.map((u) => u.userPrincipalName),
      emails: users.flatMap((u) => (u.mail ? [u.mail] : [])),
    });
    const taken = new Set(
      found.length === 0
        ? []
        : (await em.find(UserLinkEntity, { pbxTenantId, pbxUserId: { $in: found.map((u) => u.id) } })).map(
            (l) => l.pbxUserId,
          ),
    );
    for (const candidate of found) {
      if (taken.has(candidate.id)) continue;
      if (candidate.userPrincipalName)
        byUserPrincipalName.set(candidate.userPrincipalName.toLowerCase(), candidate);
      if (candidate.email) byEmail.set(candidate.email.toLowerCase(), candidate);
    }
    return { byUserPrincipalName, byEmail };
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

  /**
   * Photos to copy, as the plan lists them (a photo the PBX keeps is not even looked at): downloaded only when the
   * ETag changed (delta does not report photo changes), from the cheap metadata call for users we know, directly
   * for users being created. A missing photo permission turns photos off for the run with one report line, rather
   * than failing the sync.
   */
  private async photoUpdates(
    context: UserSyncRunContext,
    plan: PagePlan,
    links: UserLinkEntity[],
  ): Promise<Omit<PhotoUpdate, 'pbxUserId'>[]> {
    const known = new Map(links.map((l) => [l.objectId, l.photoETag]));
    // A user created again (deleted in the PBX) gets its photo even when the ETag did not change since.
    const fresh = (p: PhotoPlan) => p.reason === 'created' || (known.get(p.objectId) ?? null) === null;
    const check = plan.photos.filter((p) => !fresh(p)).map((p) => p.objectId);
    const download = plan.photos.filter(fresh).map((p) => p.objectId);
    const updates: Omit<PhotoUpdate, 'pbxUserId'>[] = [];
    try {
      const eTags = await this.reader.photoETags(context.target, check);
      for (const [id, eTag] of eTags) {
        if (eTag === (known.get(id) ?? null) || (eTag === null && known.get(id) === NO_PHOTO)) continue;
        if (eTag === null) updates.push({ objectId: id, photo: null });
        else download.push(id);
      }
      const photos = await this.reader.photos(context.target, download);
      for (const [id, photo] of photos) {
        updates.push({ objectId: id, photo });
      }
    } catch (error) {
      if (!(error instanceof Microsoft365Exception) || error.code !== Microsoft365ErrorCode.PermissionMissing)
        throw error;
      context.photos = false;
      this.logger.warn(
        `PBX tenant ${context.run.pbxTenantId}: photos skipped, permission missing (${error.microsoft?.code ?? '-'})`,
      );
      SyncRunsService.addIssue(context.run, {
        objectId: '-',
        userPrincipalName: null,
        severity: 'error',
        code: 'PHOTOS_PERMISSION_MISSING',
        message: 'Photos were not copied: the app may not read profile photos',
        action:
          'Grant the application permission ProfilePhoto.Read.All (or User.Read.All) with admin consent in Entra.',
      });
    }
    return updates;
  }
}

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}
