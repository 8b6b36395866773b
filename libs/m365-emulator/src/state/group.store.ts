import type { DirectoryChangeLog } from './directory-change.log';
import { DirectoryGroup, type DirectoryGroupFields, type MemberType } from './directory-group';
import type { Tombstone } from './tombstone';

export class GroupStore {
  private readonly byId = new Map<string, DirectoryGroup>();
  private readonly ordered: DirectoryGroup[] = [];
  /** memberId -> ids of groups it is a direct member of. */
  private readonly memberOf = new Map<string, Set<string>>();
  readonly tombstones = new Map<string, Tombstone>();
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

  remove(group: DirectoryGroup, permanent: boolean): void {
    this.removeMemberEverywhere(group.id);
    for (const memberId of group.members.keys()) this.memberOf.get(memberId)?.delete(group.id);
    this.byId.delete(group.id);
    const index = this.ordered.indexOf(group);
    if (index >= 0) this.ordered.splice(index, 1);
    const seq = this.changeLog.record('group', group.id, permanent);
    this.tombstones.set(group.id, { id: group.id, seq, reason: permanent ? 'deleted' : 'changed' });
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
