import { Injectable } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { GraphApi, type GraphTarget } from '../graph/graph-api.service';
import { type Microsoft365User, type RemovedMicrosoft365User, USER_SELECT } from './microsoft365-user';
import { toMicrosoft365User } from './microsoft365-user.parser';
import { type GroupDeltaChange, mergeGroupChanges } from './group-scope.planner';

/** The most `/users` returns per page; delta does not take `$top` and pages by Graph's own size. */
const USERS_PAGE_SIZE = 999;

export type DirectoryEntry = Microsoft365User | RemovedMicrosoft365User;

export interface DeltaPage {
  entries: DirectoryEntry[];
  /** Present on the last page of a round only. */
  deltaLink?: string;
}

/** The users of a group scope (object ids as Graph spells them) and the groups they are reached through. */
export interface GroupClosure {
  members: Set<string>;
  /** The configured groups and every group nested in them, lower-cased. */
  groups: string[];
}

const USER_TYPE = '#microsoft.graph.user';
const GROUP_TYPE = '#microsoft.graph.group';

export type PhotoContent = { contentType: string; data: Buffer; eTag: string | null } | null;

/** All Graph reads of the user sync. Nothing else in user-sync talks to Graph. */
@Injectable()
export class Microsoft365DirectoryReader {
  constructor(private readonly graph: GraphApi) {}

  /**
   * A delta link for "from now on", taken before a full listing: changes made while the listing runs are then
   * replayed by the next incremental run instead of being lost (replays are harmless, the sync is idempotent).
   */
  async latestDeltaLink(target: GraphTarget): Promise<string> {
    const page = await this.graph.get<{ '@odata.deltaLink'?: string }>(
      target,
      `/users/delta?$select=${USER_SELECT}&$deltatoken=latest`,
    );
    const link = page['@odata.deltaLink'];
    if (!link) throw unexpected('Graph answered a delta request without a deltaLink');
    return link;
  }

  /** Every user, 999 per page: ceil(N/999) requests, where a delta round pages at Graph's smaller size. */
  async *allUsers(target: GraphTarget): AsyncGenerator<Microsoft365User[]> {
    for await (const page of this.graph.pages<Record<string, unknown>>(
      target,
      `/users?$select=${USER_SELECT}&$top=${USERS_PAGE_SIZE}`,
    )) {
      yield page.value.map(toMicrosoft365User);
    }
  }

  /** Changes since `deltaLink`. Throws DELTA_EXPIRED when Graph no longer knows the link. */
  async *changesSince(target: GraphTarget, deltaLink: string): AsyncGenerator<DeltaPage> {
    for await (const page of this.graph.pages<Record<string, unknown>>(target, deltaLink)) {
      yield {
        entries: page.value.map((raw) => (raw['@removed'] ? toRemoved(raw) : toMicrosoft365User(raw))),
        ...(page['@odata.deltaLink'] ? { deltaLink: page['@odata.deltaLink'] } : {}),
      };
    }
  }

  /**
   * The users in any of the groups and the groups they came through (the groups themselves included), nested
   * groups included (Entra provisioning cannot do nested groups). The untyped listing returns users and groups
   * together, each with its `@odata.type`, so the closure the groups delta watches costs no extra request.
   */
  async groupClosure(target: GraphTarget, groupIds: readonly string[]): Promise<GroupClosure> {
    const members = new Set<string>();
    const groups = new Set(groupIds.map((id) => id.toLowerCase()));
    for (const groupId of groupIds) {
      const path = `/groups/${encodeURIComponent(groupId)}/transitiveMembers?$select=id&$top=${USERS_PAGE_SIZE}`;
      try {
        for await (const page of this.graph.pages<{ id: string; '@odata.type'?: string }>(target, path)) {
          for (const member of page.value) {
            const type = member['@odata.type']?.toLowerCase();
            // Devices, contacts and service principals can be members too; they are neither users nor groups.
            if (type === USER_TYPE) members.add(member.id);
            else if (type === GROUP_TYPE) groups.add(member.id.toLowerCase());
          }
        }
      } catch (error) {
        if (error instanceof Microsoft365Exception && error.code === Microsoft365ErrorCode.GraphNotFound) {
          throw new Microsoft365Exception(
            Microsoft365ErrorCode.GraphNotFound,
            `The group ${groupId} of the user sync scope does not exist in Microsoft 365`,
            {
              action: 'Remove the group from the scope, or choose it again in the user sync settings.',
              microsoft: error.microsoft,
            },
          );
        }
        throw error;
      }
    }
    return { members, groups: [...groups] };
  }

  /**
   * A groups delta link for "from now on", taken before the members are listed, like `latestDeltaLink`: a
   * membership change made while they are read shows in the next round and has them read again.
   */
  async latestGroupDeltaLink(target: GraphTarget): Promise<string> {
    const page = await this.graph.get<{ '@odata.deltaLink'?: string }>(
      target,
      `/groups/delta?$select=members&$deltatoken=latest`,
    );
    const link = page['@odata.deltaLink'];
    if (!link) throw unexpected('Graph answered a groups delta request without a deltaLink');
    return link;
  }

  /**
   * The groups that changed since `deltaLink`, every group of the tenant (delta's `$filter` takes at most 50 ids
   * and pins them into the link, where a closure grows as groups are nested). Throws DELTA_EXPIRED when Graph no
   * longer knows the link.
   */
  async groupChangesSince(
    target: GraphTarget,
    deltaLink: string,
  ): Promise<{ changes: GroupDeltaChange[]; deltaLink: string }> {
    const changes: GroupDeltaChange[] = [];
    let next: string | undefined;
    for await (const page of this.graph.pages<Record<string, unknown>>(target, deltaLink)) {
      for (const raw of page.value) {
        const members = raw['members@delta'];
        changes.push({
          id: String(raw['id']).toLowerCase(),
          removed: raw['@removed'] !== undefined,
          memberChanges: Array.isArray(members) ? members.length : 0,
        });
      }
      next = page['@odata.deltaLink'] ?? next;
    }
    if (!next) throw unexpected('Graph ended a groups delta round without a deltaLink');
    return { changes: mergeGroupChanges(changes), deltaLink: next };
  }

  /** One user by object id or UPN; null when Microsoft 365 has no such user. */
  async findUser(target: GraphTarget, idOrUserPrincipalName: string): Promise<Microsoft365User | null> {
    try {
      const raw = await this.graph.get<Record<string, unknown>>(
        target,
        `/users/${encodeURIComponent(idOrUserPrincipalName)}?$select=${USER_SELECT}`,
      );
      return toMicrosoft365User(raw);
    } catch (error) {
      if (error instanceof Microsoft365Exception && error.code === Microsoft365ErrorCode.GraphNotFound)
        return null;
      throw error;
    }
  }

  /** Users by object id, 20 per `$batch`; ids Graph does not know are left out. */
  async usersByIds(target: GraphTarget, ids: readonly string[]): Promise<Microsoft365User[]> {
    const results = await this.graph.batchGet(
      target,
      ids.map((id) => ({ id, url: `/users/${encodeURIComponent(id)}?$select=${USER_SELECT}` })),
    );
    const users: Microsoft365User[] = [];
    for (const result of results.values()) {
      if (result.ok) users.push(toMicrosoft365User(result.body as Record<string, unknown>));
      else if (result.status !== 404) throw result.error;
    }
    return users;
  }

  /**
   * The current photo ETag of each user, from the cheap metadata call (delta does not report photo changes).
   * null = no photo (Graph answers 404 with varying codes, docs/graph-notes.md §4).
   */
  async photoETags(target: GraphTarget, ids: readonly string[]): Promise<Map<string, string | null>> {
    const results = await this.graph.batchGet(
      target,
      ids.map((id) => ({ id, url: `/users/${encodeURIComponent(id)}/photo` })),
    );
    const eTags = new Map<string, string | null>();
    for (const [id, result] of results) {
      if (result.ok) {
        const eTag = (result.body as { '@odata.mediaEtag'?: string })['@odata.mediaEtag'];
        eTags.set(id, eTag ? eTag : null);
      } else if (result.status === 404) {
        eTags.set(id, null);
      } else {
        throw result.error;
      }
    }
    return eTags;
  }

  /**
   * Photo bytes; in a batch, binary bodies come back base64-encoded (docs/graph-notes.md §4). A `$value`
   * answer without an ETag header takes the metadata's `@odata.mediaEtag` (one more batch, only for those):
   * the stored ETag is what the next pass compares the metadata with, so without it the photo would be
   * downloaded on every pass.
   */
  async photos(target: GraphTarget, ids: readonly string[]): Promise<Map<string, PhotoContent>> {
    const results = await this.graph.batchGet(
      target,
      ids.map((id) => ({ id, url: `/users/${encodeURIComponent(id)}/photo/$value` })),
      // Decoded as each batch arrives: a page's photos are not held as base64 text and as bytes at once.
      (result) =>
        result.ok && typeof result.body === 'string'
          ? { ...result, body: Buffer.from(result.body, 'base64') }
          : result,
    );
    const photos = new Map<string, PhotoContent>();
    for (const [id, result] of results) {
      if (result.ok && Buffer.isBuffer(result.body)) {
        photos.set(id, {
          contentType: result.headers['content-type'] ?? 'image/jpeg',
          data: result.body,
          eTag: result.headers['etag'] ?? null,
        });
      } else if (!result.ok && result.status === 404) {
        photos.set(id, null);
      } else if (!result.ok) {
        throw result.error;
      }
    }
    const withoutETag = [...photos].filter(([, photo]) => photo && !photo.eTag).map(([id]) => id);
    if (withoutETag.length > 0) {
      for (const [id, eTag] of await this.photoETags(target, withoutETag)) {
        const photo = photos.get(id);
        if (photo && eTag) photos.set(id, { ...photo, eTag });
      }
    }
    return photos;
  }
}

function toRemoved(raw: Record<string, unknown>): RemovedMicrosoft365User {
  const reason = (raw['@removed'] as { reason?: string } | undefined)?.reason;
  return { id: String(raw['id']), removed: reason === 'deleted' ? 'deleted' : 'changed' };
}

function unexpected(message: string): Microsoft365Exception {
  return new Microsoft365Exception(Microsoft365ErrorCode.GraphRequestFailed, message, {
    action: 'A temporary problem at Microsoft is likely; the next run tries again.',
  });
}
