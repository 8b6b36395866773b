import { Injectable } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { GraphApi, type GraphTarget } from '../graph/graph-api.service';
import { type EntraGroupState } from './group-sync-plan';
import { type GroupDeltaEntry } from './group-sync.planner';

/** The most `transitiveMembers` returns per page. */
const MEMBERS_PAGE_SIZE = 999;

/**
 * What the groups delta is asked for: the name (renames) and `members@delta` (membership), nothing else
 * (https://learn.microsoft.com/en-us/graph/api/group-delta, docs/graph-notes.md §3.3). `$select` and `$expand` are
 * kept in the delta link by Graph, so the next rounds ask the same.
 */
const DELTA_SELECT = 'displayName,members';

const USER_TYPE = '#microsoft.graph.user';
const GROUP_TYPE = '#microsoft.graph.group';

/** The admin action for a 403: the least-privileged permission that reads groups, their members and the delta. */
const PERMISSION_ACTION =
  'In the Entra admin center open App registrations → your app → API permissions → Add a permission → ' +
  'Microsoft Graph → Application permissions, add GroupMember.Read.All, then click "Grant admin consent".';

/** All Graph reads of the group sync. Nothing else in group-sync talks to Graph. */
@Injectable()
export class EntraGroupsReader {
  constructor(private readonly graph: GraphApi) {}

  /** A delta link for "from now on", taken before groups are read in full: what changes meanwhile is replayed. */
  async latestDeltaLink(target: GraphTarget): Promise<string> {
    const page = await this.call(() =>
      this.graph.get<{ '@odata.deltaLink'?: string }>(
        target,
        `/groups/delta?$select=${DELTA_SELECT}&$deltatoken=latest`,
      ),
    );
    const link = page['@odata.deltaLink'];
    if (!link) throw unexpected('Graph answered a groups delta request without a deltaLink');
    return link;
  }

  /** The group's name and its members flattened through nested groups; null when Entra does not know the group. */
  async readGroup(target: GraphTarget, objectId: string): Promise<EntraGroupState | null> {
    try {
      const group = await this.call(() =>
        this.graph.get<{ id: string; displayName?: string | null }>(
          target,
          `/groups/${encodeURIComponent(objectId)}?$select=id,displayName`,
        ),
      );
      return { ...(await this.readMembers(target, objectId)), displayName: group.displayName ?? '' };
    } catch (error) {
      if (error instanceof Microsoft365Exception && error.code === Microsoft365ErrorCode.GraphNotFound)
        return null;
      throw error;
    }
  }

  /**
   * The users reached through the group (nested groups included) and the groups nested in it. The untyped
   * `transitiveMembers?$select=id` is used rather than the `/microsoft.graph.user` cast: it answers users and groups
   * in one listing, each with its `@odata.type`, and the nested groups are what the delta must watch; the cast
   * would also need `ConsistencyLevel: eventual` and `$count=true`
   * (https://learn.microsoft.com/en-us/graph/api/group-list-transitivemembers, docs/graph-notes.md §3.3).
   * Throws GRAPH_NOT_FOUND when Entra does not know the group.
   */
  async readMembers(target: GraphTarget, objectId: string): Promise<Omit<EntraGroupState, 'displayName'>> {
    const members = new Set<string>();
    const closure = new Set([objectId.toLowerCase()]);
    const path = `/groups/${encodeURIComponent(objectId)}/transitiveMembers?$select=id&$top=${MEMBERS_PAGE_SIZE}`;
    for await (const page of this.pages<{ id: string; '@odata.type'?: string }>(target, path)) {
      for (const member of page) {
        const type = member['@odata.type']?.toLowerCase();
        // Devices, contacts and service principals can be members too; they ring no phone.
        if (type === USER_TYPE) members.add(member.id.toLowerCase());
        else if (type === GROUP_TYPE) closure.add(member.id.toLowerCase());
      }
    }
    return { objectId: objectId.toLowerCase(), members: [...members].sort(), closure: [...closure].sort() };
  }

  /**
   * Every group that changed since `deltaLink`, its pages merged. Throws DELTA_EXPIRED when Graph no longer
   * knows the link (it keeps them 7 days).
   */
  async changesSince(
    target: GraphTarget,
    deltaLink: string,
  ): Promise<{ changes: Map<string, GroupDeltaEntry>; deltaLink: string }> {
    const changes = new Map<string, GroupDeltaEntry>();
    let next: string | undefined;
    let path: string | undefined = deltaLink;
    while (path) {
      const current: string = path;
      const page = await this.call(() =>
        this.graph.get<{
          value: Record<string, unknown>[];
          '@odata.nextLink'?: string;
          '@odata.deltaLink'?: string;
        }>(target, current),
      );
      for (const raw of page.value) merge(changes, toDeltaEntry(raw));
      next = page['@odata.deltaLink'] ?? next;
      path = page['@odata.nextLink'];
    }
    if (!next) throw unexpected('Graph ended a groups delta round without a deltaLink');
    return { changes, deltaLink: next };
  }

  private async *pages<T>(target: GraphTarget, path: string): AsyncGenerator<T[]> {
    let next: string | undefined = path;
    while (next) {
      const current: string = next;
      const page = await this.call(() =>
        this.graph.get<{ value: T[]; '@odata.nextLink'?: string }>(target, current),
      );
      yield page.value;
      next = page['@odata.nextLink'];
    }
  }

  /** A 403 says which permission to add: Microsoft's code and request id stay with it. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof Microsoft365Exception && error.code === Microsoft365ErrorCode.PermissionMissing) {
        throw new Microsoft365Exception(
          Microsoft365ErrorCode.PermissionMissing,
          'The app may not read Entra groups and their members (GroupMember.Read.All is missing)',
          {
            action: PERMISSION_ACTION,
            ...(error.microsoft ? { microsoft: error.microsoft } : {}),
            cause: error,
          },
        );
      }
      throw error;
    }
  }
}

function toDeltaEntry(raw: Record<string, unknown>): GroupDeltaEntry {
  const members = Array.isArray(raw['members@delta'])
    ? (raw['members@delta'] as Record<string, unknown>[])
    : [];
  const displayName = raw['displayName'];
  return {
    id: String(raw['id']).toLowerCase(),
    removed: raw['@removed'] !== undefined,
    ...(typeof displayName === 'string' ? { displayName } : {}),
    members: members.map((member) => {
      const odataType = member['@odata.type'];
      const type = typeof odataType === 'string' ? odataType.toLowerCase() : '';
      return {
        id: String(member['id']).toLowerCase(),
        type: type === USER_TYPE ? 'user' : type === GROUP_TYPE ? 'group' : 'other',
        removed: member['@removed'] !== undefined,
      };
    }),
  };
}

/** A group may come once per page, each time with another slice of its `members@delta`. */
function merge(changes: Map<string, GroupDeltaEntry>, entry: GroupDeltaEntry): void {
  const before = changes.get(entry.id);
  if (!before) {
    changes.set(entry.id, entry);
    return;
  }
  changes.set(entry.id, {
    id: entry.id,
    removed: before.removed || entry.removed,
    ...((entry.displayName ?? before.displayName) !== undefined
      ? { displayName: entry.displayName ?? before.displayName }
      : {}),
    members: [...before.members, ...entry.members],
  });
}

function unexpected(message: string): Microsoft365Exception {
  return new Microsoft365Exception(Microsoft365ErrorCode.GraphRequestFailed, message, {
    action: 'A temporary problem at Microsoft is likely; the next run tries again.',
  });
}
