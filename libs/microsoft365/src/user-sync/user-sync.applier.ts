import { type EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import {
  PBX_DIRECTORY,
  type PbxDirectoryPort,
  type PbxUserCreate,
  type PbxUserProfile,
  type PbxUserUpdate,
} from '../ports/pbx-directory.port';
import { type ProvisioningLogDraft } from '../provisioning-log/provisioning-log-entry';
import { type RunIssue } from '../runs/sync-run-status';
import { EXTENSION_RANGE_FULL, type ExtensionAllocator } from './extension.allocator';
import { type FieldChange } from './user-profile.mapper';
import { LinkOrigin, UserLinkEntity } from './user-link.entity';
import { type LinkWrite, type PageLink, releaseExtensions, touchLinks, upsertLinks } from './page-links';
import { userSyncLog } from './user-sync-log-entries';
import { type LeaverAction, LinkState, plannedExtension, type UserSyncAction } from './user-sync-plan';

/** How often a create is retried with another number after the host reports the extension taken. */
const MAX_EXTENSION_ATTEMPTS = 5;

type CreateAction = Extract<UserSyncAction, { action: 'create' }>;

export interface ApplyResult {
  counts: Record<string, number>;
  issues: RunIssue[];
  /** What happened to each user, in words, for on-demand runs. */
  steps: Map<string, string[]>;
  /** PBX user ids of the users this batch created or linked, by object id. */
  pbxUserIds: Map<string, string>;
  /** One provisioning log line per plan item executed, with its outcome; written with the page. */
  log: ProvisioningLogDraft[];
}

/**
 * Executes a plan through the host's ports, in the caller's transaction: the host's writes and our links commit
 * or roll back together, so a crash between pages leaves no PBX user without its link.
 */
@Injectable()
export class UserSyncApplier {
  constructor(
    @Inject(PBX_DIRECTORY) private readonly directory: PbxDirectoryPort,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * `links`: the page's links as the page processor read them (once per page). The links of created and matched
   * users are written with one statement for the page, those of updated users with another.
   */
  async apply(
    em: EntityManager,
    pbxTenantId: string,
    actions: readonly UserSyncAction[],
    allocator: ExtensionAllocator,
    links: ReadonlyMap<string, PageLink>,
  ): Promise<ApplyResult> {
    const result = emptyResult();
    const writes: LinkWrite[] = [];
    await this.create(em, pbxTenantId, actions.filter(isCreate), allocator, result, writes);
    await this.link(em, pbxTenantId, actions, result, writes);
    await this.update(em, pbxTenantId, actions, result, links);
    for (const action of actions) {
      if (action.action !== 'skip') continue;
      count(result, 'skipped');
      const message =
        action.reason === 'no-name'
          ? 'Skipped: first name and last name are both empty in Microsoft 365 (room, resource or service account)'
          : 'Skipped: an admin unbound this account from its PBX user';
      result.issues.push({
        objectId: action.objectId,
        userPrincipalName: action.userPrincipalName,
        severity: 'skip',
        code: action.reason === 'no-name' ? 'NO_NAME' : 'UNBOUND',
        message,
        ...(action.reason === 'no-name'
          ? { action: 'Give the user a first or last name in Microsoft 365 if it should get an extension.' }
          : {}),
      });
      step(result, action.objectId, message);
      result.log.push(userSyncLog.skipped(action, message));
    }
    return result;
  }

  /** Leavers, by the tenant's policy. Only links still active and pointing at the same PBX user are touched. */
  async applyLeavers(
    em: EntityManager,
    pbxTenantId: string,
    leavers: readonly LeaverAction[],
  ): Promise<ApplyResult> {
    const result = emptyResult();
    if (leavers.length === 0) return result;
    const links = await em.find(UserLinkEntity, {
      pbxTenantId,
      objectId: { $in: leavers.map((l) => l.objectId) },
      state: LinkState.Active,
    });
    const current = new Map(links.map((link) => [link.objectId, link]));
    const valid = leavers.filter((l) => current.get(l.objectId)?.pbxUserId === l.pbxUserId);
    const byAction = (name: LeaverAction['action']) => valid.filter((l) => l.action === name);

    const disable = byAction('disable');
    if (disable.length > 0) {
      await this.directory.updateUsers(
        pbxTenantId,
        disable.map((l) => ({ id: l.pbxUserId, enabled: false })),
      );
    }
    const remove = byAction('delete');
    if (remove.length > 0) {
      await this.directory.deleteUsers(
        pbxTenantId,
        remove.map((l) => l.pbxUserId),
      );
    }
    const now = this.clock.now();
    for (const leaver of valid) {
      const link = current.get(leaver.objectId);
      if (!link) continue;
      link.updatedAt = now;
      if (leaver.action === 'disable') link.state = LinkState.Disabled;
      if (leaver.action === 'keep') link.state = LinkState.Kept;
      if (leaver.action === 'delete') {
        // The extension stays reserved by the link, for the user's return.
        link.state = LinkState.Deleted;
        link.pbxUserId = null;
      }
      result.log.push(userSyncLog.left(leaver, link));
      const past = { disable: 'disabled', delete: 'deleted', keep: 'kept' }[leaver.action];
      count(result, past);
      step(result, leaver.objectId, `PBX user ${past} (${leaver.reason})`);
    }
    await em.flush();
    return result;
  }

  private async create(
    em: EntityManager,
    pbxTenantId: string,
    creates: CreateAction[],
    allocator: ExtensionAllocator,
    result: ApplyResult,
    writes: LinkWrite[],
  ): Promise<void> {
    if (creates.length === 0) return;
    let pending = creates.map((action) => ({ action, extension: plannedExtension(action) }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      const fresh = await allocator.take(em, pending.filter((p) => !p.extension).length);
      const batch: PbxUserCreate[] = [];
      for (const item of pending) {
        item.extension ??= fresh.shift() ?? null;
        if (item.extension) {
          batch.push({
            key: item.action.objectId,
            profile: item.action.profile,
            extension: item.extension,
            enabled: true,
          });
        } else {
          const full = EXTENSION_RANGE_FULL;
          this.fail(result, item.action, full.code, full.message, full.action);
        }
      }
      if (batch.length === 0) break;
      const answers = await this.directory.createUsers(pbxTenantId, batch);
      const byKey = new Map(pending.map((item) => [item.action.objectId, item]));
      const retry: typeof pending = [];
      for (const answer of answers) {
        const item = byKey.get(answer.key);
        if (!item?.extension) continue;
        if (answer.status === 'created') {
          // A returning user's link (kept with its number while they were gone) points at the new PBX user.
          writes.push({
            objectId: answer.key,
            pbxUserId: answer.id,
            extension: item.extension,
            userPrincipalName: item.action.userPrincipalName,
            origin: LinkOrigin.Created,
          });
          result.pbxUserIds.set(answer.key, answer.id);
          result.log.push(userSyncLog.created(item.action, answer.id, item.extension));
          count(result, 'created');
          step(result, answer.key, `Created PBX user with extension ${item.extension}`);
        } else if (answer.status === 'extension-taken' && attempt < MAX_EXTENSION_ATTEMPTS) {
          // Someone took the number since we looked (an admin in the PBX): take the next free one.
          retry.push({ action: item.action, extension: null });
        } else {
          this.fail(
            result,
            item.action,
            answer.status === 'failed' ? 'PBX_REFUSED' : 'EXTENSION_TAKEN',
            answer.status === 'failed'
              ? `The PBX refused to create the user: ${answer.reason}`
              : `Extension ${item.extension} is used in the PBX`,
            'Check the user in Microsoft 365 and the PBX; the next run tries again.',
          );
        }
      }
      pending = retry;
    }
  }

  /**
   * Matched users: their numbers are released by any leaver's link first (the unique extension index checks each
   * row as it is written), then the page's new, returning and matched links are written in one statement.
   */
  private async link(
    em: EntityManager,
    pbxTenantId: string,
    actions: readonly UserSyncAction[],
    result: ApplyResult,
    writes: LinkWrite[],
  ): Promise<void> {
    const matched = actions.filter(
      (a): a is Extract<UserSyncAction, { action: 'link' }> => a.action === 'link',
    );
    await releaseExtensions(em, pbxTenantId, matched);
    for (const action of matched) {
      writes.push({
        objectId: action.objectId,
        pbxUserId: action.pbxUserId,
        extension: action.extension,
        userPrincipalName: action.userPrincipalName,
        origin: LinkOrigin.Matched,
      });
      result.pbxUserIds.set(action.objectId, action.pbxUserId);
      result.log.push(userSyncLog.linked(action));
      count(result, 'linked');
      step(
        result,
        action.objectId,
        `Linked to the existing PBX user with the same ${action.matchedBy === 'email' ? 'email' : 'UPN'} (extension ${action.extension})`,
      );
    }
    // The links must be in the database before photos and later native updates refer to them.
    await upsertLinks(em, pbxTenantId, writes, this.clock.now());
    if (matched.length === 0) return;
    await this.directory.updateUsers(
      pbxTenantId,
      matched
        .map((a) => toUpdate(a.pbxUserId, a.changes, a.enable))
        .filter((u): u is PbxUserUpdate => u !== null),
    );
  }

  private async update(
    em: EntityManager,
    pbxTenantId: string,
    actions: readonly UserSyncAction[],
    result: ApplyResult,
    links: ReadonlyMap<string, PageLink>,
  ): Promise<void> {
    const updates = actions.filter(
      (a): a is Extract<UserSyncAction, { action: 'update' }> => a.action === 'update',
    );
    if (updates.length === 0) return;
    const changes = updates
      .map((a) => toUpdate(a.pbxUserId, a.changes, a.enable))
      .filter((u): u is PbxUserUpdate => u !== null);
    if (changes.length > 0) await this.directory.updateUsers(pbxTenantId, changes);
    await touchLinks(em, pbxTenantId, updates, this.clock.now());
    for (const action of updates) {
      result.log.push(userSyncLog.updated(action, links.get(action.objectId)?.extension ?? null));
      count(result, 'updated');
      if (action.enable) count(result, 'reEnabled');
      step(result, action.objectId, describeUpdate(action.changes, action.enable));
    }
  }

  private fail(result: ApplyResult, action: CreateAction, code: string, message: string, what: string): void {
    count(result, 'failed');
    result.issues.push({
      objectId: action.objectId,
      userPrincipalName: action.userPrincipalName,
      severity: 'error',
      code,
      message,
      action: what,
    });
    step(result, action.objectId, `Failed: ${message}`);
    result.log.push(userSyncLog.failed(action, code, message));
  }
}

function toUpdate(pbxUserId: string, changes: FieldChange[], enable: boolean): PbxUserUpdate | null {
  if (changes.length === 0 && !enable) return null;
  const profile: Partial<PbxUserProfile> = {};
  for (const change of changes) Object.assign(profile, { [change.field]: change.to });
  return { id: pbxUserId, ...(changes.length > 0 ? { profile } : {}), ...(enable ? { enabled: true } : {}) };
}

function describeUpdate(changes: FieldChange[], enable: boolean): string {
  const parts = [];
  if (changes.length > 0) parts.push(`Updated ${changes.map((c) => c.field).join(', ')}`);
  if (enable) parts.push('re-enabled the PBX user');
  return parts.join('; ') || 'Up to date';
}

function emptyResult(): ApplyResult {
  return { counts: {}, issues: [], steps: new Map(), pbxUserIds: new Map(), log: [] };
}

function isCreate(action: UserSyncAction): action is CreateAction {
  return action.action === 'create';
}

function count(result: ApplyResult, key: string): void {
  result.counts[key] = (result.counts[key] ?? 0) + 1;
}

function step(result: ApplyResult, objectId: string, text: string): void {
  const steps = result.steps.get(objectId) ?? [];
  steps.push(text);
  result.steps.set(objectId, steps);
}
