import { type EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { PBX_DIRECTORY, type PbxDirectoryPort, type PbxDirectoryUser } from '../ports/pbx-directory.port';
import { type Microsoft365User } from './microsoft365-user';
import { linkedPbxUserIds } from './page-links';
import { type PlanContext } from './user-sync-plan';
import { type UserSyncRunContext } from './user-sync-run.context';

/**
 * A PBX with at most this many users is read once per run and matched in memory: a first sync into a new PBX
 * tenant (its admin, a few test users) then costs one listing instead of a UPN/email lookup per page. A larger
 * PBX is asked page by page, for the page's unlinked users only.
 */
export const MATCH_SNAPSHOT_LIMIT = 1000;

const NOTHING: PlanContext['matchable'] = { byUserPrincipalName: new Map(), byEmail: new Map() };

/**
 * PBX users no Microsoft 365 account is linked to yet, by UPN and email: the candidates for linking instead of
 * duplicating. The first page with an unlinked Microsoft 365 user decides how they are found (an idle run or a
 * run of linked users only never asks), and the run remembers it.
 */
@Injectable()
export class MatchCandidatesFinder {
  constructor(@Inject(PBX_DIRECTORY) private readonly directory: PbxDirectoryPort) {}

  async matchable(
    em: EntityManager,
    context: UserSyncRunContext,
    users: readonly Microsoft365User[],
  ): Promise<PlanContext['matchable']> {
    if (users.length === 0) return NOTHING;
    const pbxTenantId = context.run.pbxTenantId;
    context.unlinkedPbxUsers ??= await this.snapshot(em, pbxTenantId);
    if (context.unlinkedPbxUsers === 'per-page') return this.lookUp(em, pbxTenantId, users);
    return index(context.unlinkedPbxUsers.values());
  }

  /** PBX users this page linked are no longer candidates for the pages after it. */
  forget(context: UserSyncRunContext, pbxUserIds: Iterable<string>): void {
    if (!(context.unlinkedPbxUsers instanceof Map)) return;
    for (const id of pbxUserIds) context.unlinkedPbxUsers.delete(id);
  }

  /**
   * Every unlinked PBX user when the PBX has at most MATCH_SNAPSHOT_LIMIT users; 'per-page' otherwise. A PBX user
   * an admin adds while the run goes on is not matched by this run (the sync creates its own user for the
   * account, as it would have had the admin added it a minute later).
   */
  private async snapshot(
    em: EntityManager,
    pbxTenantId: string,
  ): Promise<Map<string, PbxDirectoryUser> | 'per-page'> {
    const users: PbxDirectoryUser[] = [];
    let after: string | undefined;
    do {
      const page = await this.directory.listUsers(pbxTenantId, {
        ...(after ? { after } : {}),
        limit: MATCH_SNAPSHOT_LIMIT + 1 - users.length,
      });
      users.push(...page.users);
      after = page.next;
    } while (after && users.length <= MATCH_SNAPSHOT_LIMIT);
    if (users.length > MATCH_SNAPSHOT_LIMIT) return 'per-page';
    const taken = await linkedPbxUserIds(
      em,
      pbxTenantId,
      users.map((u) => u.id),
    );
    return new Map(users.filter((u) => !taken.has(u.id)).map((u) => [u.id, u]));
  }

  private async lookUp(
    em: EntityManager,
    pbxTenantId: string,
    users: readonly Microsoft365User[],
  ): Promise<PlanContext['matchable']> {
    const found = await this.directory.findUsers(pbxTenantId, {
      userPrincipalNames: users.map((u) => u.userPrincipalName),
      emails: users.flatMap((u) => (u.mail ? [u.mail] : [])),
    });
    if (found.length === 0) return NOTHING;
    const taken = await linkedPbxUserIds(
      em,
      pbxTenantId,
      found.map((u) => u.id),
    );
    return index(found.filter((u) => !taken.has(u.id)));
  }
}

function index(candidates: Iterable<PbxDirectoryUser>): PlanContext['matchable'] {
  const byUserPrincipalName = new Map<string, PbxDirectoryUser>();
  const byEmail = new Map<string, PbxDirectoryUser>();
  for (const candidate of candidates) {
    if (candidate.userPrincipalName)
      byUserPrincipalName.set(candidate.userPrincipalName.toLowerCase(), candidate);
    if (candidate.email) byEmail.set(candidate.email.toLowerCase(), candidate);
  }
  return { byUserPrincipalName, byEmail };
}
