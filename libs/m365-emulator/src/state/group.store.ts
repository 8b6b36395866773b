import type { DirectoryChangeLog } from './directory-change.log';
import { DirectoryGroup, type DirectoryGroupFields, type MemberType } from './directory-group';
import type { Tombstone } from './tombstone';

/**
 * How long a deleted group stays in the directory's deleted items, restorable: "Deleted items remain available to
 * restore for up to 30 days" (https://learn.microsoft.com/en-us/graph/api/resources/directory, docs/graph-notes.md
 * §3.3).
 */
export const DELETED_ITEMS_RETENTION_MS = 30 * 24 * 3600_000;

/** A soft-deleted group in the deleted items: its members are kept, so a restore brings them back. */
interface DeletedGroup {
  readonly group: DirectoryGroup;
  readonly deletedAt: number;
}

export class GroupStore {
  private readonly byId = new Map<string, DirectoryGroup>();
  private readonly ordered: DirectoryGroup[] = [];
  /** memberId -> ids of groups it is a direct member of. */
  private readonly memberOf = new Map<string, Set<string>>();
  readonly tombstones = new Map<string, Tombstone>();
  /** Soft-deleted groups by id (deleted items), restorable within {@link DELETED_ITEMS_RETENTION_MS}. */
  private readonly deletedItems = new Map<string, DeletedGroup>();
  private nextOrdinal = 1;

  constructor(private readonly changeLog: DirectoryChangeLog) {}

  get size(): number {
    return this.ordered.length;
  }

  all(): readonly DirectoryGroup[] {
    return this.ordered;
  }

  find(id: string): DirectoryGroup | undefined {
    return this.byId.get(id.toLowerCase());
  }

  /** Groups the object is a direct member of. */
  groupsOf(memberId: string): DirectoryGroup[] {
    return [...(this.memberOf.get(memberId.toLowerCase()) ?? [])]
      .map((groupId) => this.byId.get(groupId))
      .filter((group): group is DirectoryGroup => group !== undefined);
  }

  add(id: string, fields: DirectoryGroupFields): DirectoryGroup {
    const key = id.toLowerCase();
    if (this.byId.has(key)) throw new Error(`A group with id ${id} already exists`);
    const group = new DirectoryGroup(key, this.nextOrdinal++, fields);
    this.byId.set(key, group);
    this.ordered.push(group);
    this.tombstones.delete(key);
    group.lastChangeSeq = this.changeLog.record('group', key);
    return group;
  }

  update(group: DirectoryGroup, changes: Partial<DirectoryGroupFields>): void {
    group.fields = { ...group.fields, ...changes };
    group.lastChangeSeq = this.changeLog.record('group', group.id);
  }

  /** Returns false when the member was already there. */
  addMember(group: DirectoryGroup, memberId: string, memberType: MemberType): boolean {
    const key = memberId.toLowerCase();
    if (group.members.has(key)) return false;
    group.members.set(key, memberType);
    this.memberships(key).add(group.id);
    this.recordMemberChange(group, key, memberType, false);
    return true;
  }

  removeMember(group: DirectoryGroup, memberId: string): boolean {
    const key = memberId.toLowerCase();
    const memberType = group.members.get(key);
    if (memberType === undefined) return false;
    group.members.delete(key);
    this.memberOf.get(key)?.delete(group.id);
    this.recordMemberChange(group, key, memberType, true);
    return true;
  }

  /** Deleting a directory object drops it from every group it belonged to. */
  removeMemberEverywhere(memberId: string): void {
    const key = memberId.toLowerCase();
    for (const groupId of [...(this.memberOf.get(key) ?? [])]) {
      const group = this.byId.get(groupId);
      if (group) this.removeMember(group, key);
    }
    this.memberOf.delete(key);
  }

  /**
   * Soft delete (`permanent` false): the group moves to the deleted items with its members, and delta reports
   * `@removed: { reason: 'changed' }`; permanent: gone, `reason: 'deleted'` (docs/graph-notes.md §3.2, §3.3).
   */
  remove(group: DirectoryGroup, permanent: boolean, now = 0): void {
    this.removeMemberEverywhere(group.id);
    for (const memberId of group.members.keys()) this.memberOf.get(memberId)?.delete(group.id);
    this.byId.delete(group.id);
    const index = this.ordered.indexOf(group);
    if (index >= 0) this.ordered.splice(index, 1);
    const seq = this.changeLog.record('group', group.id, permanent);
    this.tombstones.set(group.id, { id: group.id, seq, reason: permanent ? 'deleted' : 'changed' });
    if (permanent) this.deletedItems.delete(group.id);
    else this.deletedItems.set(group.id, { group, deletedAt: now });
  }

  /** A soft-deleted group still within the retention, or undefined. */
  findDeleted(id: string, now: number): DirectoryGroup | undefined {
    const entry = this.deletedItems.get(id.toLowerCase());
    if (!entry) return undefined;
    if (now - entry.deletedAt <= DELETED_ITEMS_RETENTION_MS) return entry.group;
    // Past the retention Entra deletes it for good.
    this.deletedItems.delete(entry.group.id);
    return undefined;
  }

  /**
   * Brings a soft-deleted group back with the same id and its members (those `exists` still knows); delta then
   * reports it like any changed group. Memberships of the group in other groups are not restored.
   */
  restore(id: string, now: number, exists: (memberId: string) => boolean): DirectoryGroup | undefined {
    const group = this.findDeleted(id, now);
    if (!group) return undefined;
    this.deletedItems.delete(group.id);
    for (const memberId of [...group.members.keys()]) {
      if (exists(memberId)) this.memberships(memberId).add(group.id);
      else group.members.delete(memberId);
    }
    this.byId.set(group.id, group);
    const at = this.ordered.findIndex((other) => other.ordinal > group.ordinal);
    this.ordered.splice(at < 0 ? this.ordered.length : at, 0, group);
    this.tombstones.delete(group.id);
    group.lastChangeSeq = this.changeLog.record('group', group.id);
    return group;
  }

  private recordMemberChange(
    group: DirectoryGroup,
    memberId: string,
    memberType: MemberType,
    removed: boolean,
  ): void {
    const seq = this.changeLog.record('group', group.id);
    group.lastChangeSeq = seq;
    group.memberChanges.push({ seq, memberId, memberType, removed });
  }

  private memberships(memberId: string): Set<string> {
    let set = this.memberOf.get(memberId);
    if (!set) {
      set = new Set();
      this.memberOf.set(memberId, set);
    }
    return set;
  }
}
