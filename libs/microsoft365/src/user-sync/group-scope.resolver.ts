import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { type GraphTarget } from '../graph/graph-api.service';
import { closureChange, groupScopeReadReason } from './group-scope.planner';
import { Microsoft365DirectoryReader } from './microsoft365-directory.reader';
import { UserSyncGroupMembersStore } from './user-sync-group-members.store';
import { type UserSyncSettingsEntity } from './user-sync-settings.entity';

/** The members of a group scope for one run, and what the run's end stores of them. */
export interface ResolvedGroupScope {
  members: ReadonlySet<string>;
  /** The configured groups and every group nested in them: what the groups delta watches. */
  closure: string[];
  /** Where the next run's groups delta starts; taken before the members were read. */
  deltaLink: string;
  /** Why the members were listed from Graph; null when the stored ones were reused (no group changed members). */
  readReason: string | null;
  /** The members stored before this run: only the difference to them is written. */
  stored: ReadonlySet<string>;
}

/**
 * Finds the members of the scope's groups (nested groups included) at the start of a run. An incremental run asks
 * the groups delta whether a group of the closure changed members; when none did, the members stored by the last
 * read are reused, so an idle run costs one groups delta request instead of 1 + Σ ceil(members/999) listings.
 */
@Injectable()
export class GroupScopeResolver {
  private readonly logger = new Logger(GroupScopeResolver.name);

  constructor(
    private readonly reader: Microsoft365DirectoryReader,
    private readonly store: UserSyncGroupMembersStore,
  ) {}

  async resolve(
    target: GraphTarget,
    settings: UserSyncSettingsEntity,
    incremental: boolean,
  ): Promise<ResolvedGroupScope> {
    let reason = groupScopeReadReason(settings.groupIds, settings, incremental);
    let deltaLink: string | undefined;
    const { groupDeltaLink, groupClosure } = settings;
    if (reason === null && groupDeltaLink && groupClosure) {
      try {
        const round = await this.reader.groupChangesSince(target, groupDeltaLink);
        reason = closureChange(groupClosure, round.changes);
        // The round ended before the members are read below: a change made meanwhile shows in the next round.
        deltaLink = round.deltaLink;
        if (reason === null) {
          const members = await this.store.load(settings.pbxTenantId);
          return { members, closure: [...groupClosure], deltaLink, readReason: null, stored: members };
        }
      } catch (error) {
        if (!(error instanceof Microsoft365Exception) || error.code !== Microsoft365ErrorCode.DeltaExpired)
          throw error;
        reason = 'The groups delta link expired (Microsoft keeps them 7 days)';
      }
    }
    this.logger.log(`PBX tenant ${settings.pbxTenantId}: reading the scope groups' members: ${reason}`);
    // Before the listing, as for the users' delta link: what changes while we read is replayed next time.
    deltaLink ??= await this.reader.latestGroupDeltaLink(target);
    const [closure, stored] = await Promise.all([
      this.reader.groupClosure(target, settings.groupIds),
      this.store.load(settings.pbxTenantId),
    ]);
    return {
      members: closure.members,
      closure: closure.groups,
      deltaLink,
      readReason: reason ?? 'The members of the scope groups are read',
      stored,
    };
  }

  /** Stores what `resolve` read, in the transaction that writes the run's delta links. */
  async save(em: EntityManager, pbxTenantId: string, scope: ResolvedGroupScope): Promise<void> {
    if (scope.readReason !== null) await this.store.replace(em, pbxTenantId, scope.stored, scope.members);
  }

  /** The scope no longer filters by group: the stored members would only go stale. */
  async forget(em: EntityManager, pbxTenantId: string): Promise<void> {
    await this.store.clear(em, pbxTenantId);
  }
}
