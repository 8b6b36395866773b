import { LeaverPolicy } from '../user-sync/user-sync-plan';
import {
  type EntraGroupState,
  type GroupLeaveReason,
  type GroupLink,
  GroupLinkState,
  type GroupPlan,
  type GroupPlanInput,
  type GroupPlanItem,
  type SkippedMember,
} from './group-sync-plan';

/**
 * The group sync's decisions, kept pure: Microsoft 365 state + the module's links → a plan, which is also the
 * dry run. Nothing here reads Graph or writes the PBX.
 */

/** One group as a groups delta round reported it, its pages merged (a big group repeats across pages). */
export interface GroupDeltaEntry {
  id: string;
  /** `@removed` on the group: deleted (restorable, reason `changed`) or permanently (reason `deleted`). */
  removed: boolean;
  /** Present when the round carries the group's displayName (a change, or any other change of the group). */
  displayName?: string;
  /** Its `members@delta`: direct members added or removed (`@removed`) since the last round. */
  members: { id: string; type: 'user' | 'group' | 'other'; removed: boolean }[];
}

/** How the stored state of a group follows one delta round. */
export type DeltaOutcome =
  | { kind: 'unchanged' }
  | { kind: 'deleted' }
  /** Renamed and/or direct user members changed: the new state needs no Graph request. */
  | { kind: 'updated'; state: EntraGroupState }
  /** A nested group changed (or the group gained or lost a nested group): its members must be listed again. */
  | { kind: 'reread'; displayName: string; reason: string };

/**
 * Applies a groups delta round to a group's stored state. `members@delta` names the *direct* members of the group
 * that changed (https://learn.microsoft.com/en-us/graph/api/group-delta), so it is exact for a group without
 * nested groups; a change anywhere else in the closure, or a nested group added or removed, has the flattened
 * members read again (`/groups/{id}/transitiveMembers`), one request per 999 members.
 */
export function followDelta(
  stored: EntraGroupState,
  changes: ReadonlyMap<string, GroupDeltaEntry>,
): DeltaOutcome {
  const root = stored.objectId.toLowerCase();
  const own = changes.get(root);
  if (own?.removed) return { kind: 'deleted' };
  const displayName = own?.displayName ?? stored.displayName;
  for (const nested of stored.closure) {
    if (nested === root) continue;
    const change = changes.get(nested);
    if (change && (change.removed || change.members.length > 0)) {
      return { kind: 'reread', displayName, reason: `the nested group ${nested} changed` };
    }
  }
  const direct = own?.members ?? [];
  if (direct.some((member) => member.type === 'group')) {
    return { kind: 'reread', displayName, reason: 'a nested group was added or removed' };
  }
  if (direct.length > 0 && stored.closure.some((id) => id !== root)) {
    // A user removed directly may still be a member through a nested group: only Graph knows.
    return { kind: 'reread', displayName, reason: 'members changed in a group with nested groups' };
  }
  const members = new Set(stored.members.map((id) => id.toLowerCase()));
  for (const member of direct) {
    if (member.type !== 'user') continue;
    if (member.removed) members.delete(member.id.toLowerCase());
    else members.add(member.id.toLowerCase());
  }
  const renamed = displayName !== stored.displayName;
  if (!renamed && direct.length === 0) return { kind: 'unchanged' };
  return { kind: 'updated', state: { ...stored, displayName, members: [...members].sort() } };
}

/** The plan: what to create, rename, re-member, re-enable and retire in the PBX. */
export function planGroups(input: GroupPlanInput): GroupPlan {
  const items: (GroupPlanItem | null)[] = [];
  const skipped: SkippedMember[] = [];
  const missing: string[] = [];
  for (const objectId of [...input.selected].sort()) {
    const group = input.groups.get(objectId);
    const link = input.links.get(objectId);
    if (!group) {
      if (link) items.push(leave(link, input.leaverPolicy, 'DELETED_IN_ENTRA'));
      else missing.push(objectId);
      continue;
    }
    const members = pbxMembers(group, input, skipped);
    items.push(link ? update(link, group, members) : create(group, members));
  }
  for (const [objectId, link] of [...input.links].sort(([a], [b]) => a.localeCompare(b))) {
    if (input.selected.has(objectId)) continue;
    items.push(
      leave(link, input.leaverPolicy, input.deleted.has(objectId) ? 'DELETED_IN_ENTRA' : 'DESELECTED'),
    );
  }
  return { items: items.filter((item): item is GroupPlanItem => item !== null), skipped, missing };
}

/** The PBX user ids of the group's members the user sync linked; the others are reported as skipped. */
function pbxMembers(group: EntraGroupState, input: GroupPlanInput, skipped: SkippedMember[]): string[] {
  const ids = new Set<string>();
  for (const userObjectId of group.members) {
    const link = input.userLinks.get(userObjectId.toLowerCase());
    if (link?.active && link.pbxUserId) {
      ids.add(link.pbxUserId);
    } else {
      skipped.push({
        groupObjectId: group.objectId,
        userObjectId,
        reason: link ? 'USER_NOT_ACTIVE' : 'NOT_SYNCED',
      });
    }
  }
  return [...ids].sort();
}

function create(group: EntraGroupState, members: string[]): GroupPlanItem {
  return {
    objectId: group.objectId,
    action: 'CREATE',
    pbxGroupId: null,
    name: groupName(group),
    members: { set: members, added: members, removed: [] },
  };
}

function update(link: GroupLink, group: EntraGroupState, members: string[]): GroupPlanItem {
  const name = groupName(group);
  const before = new Set(link.pbxMembers);
  const after = new Set(members);
  const added = members.filter((id) => !before.has(id));
  const removed = [...before].filter((id) => !after.has(id)).sort();
  const reEnable = link.state !== GroupLinkState.Active;
  const item: GroupPlanItem = {
    objectId: link.objectId,
    action: 'UPDATE',
    pbxGroupId: link.pbxGroupId,
    name,
    ...(name !== link.pbxName ? { rename: { from: link.pbxName, to: name } } : {}),
    ...(added.length > 0 || removed.length > 0 ? { members: { set: members, added, removed } } : {}),
    ...(reEnable ? { reEnable } : {}),
  };
  if (!item.rename && !item.members && !item.reEnable) item.action = 'UNCHANGED';
  return item;
}

/**
 * A linked group that left, handled once: a group already disabled or kept is left alone (a policy changed later
 * does not reach back to groups that left before it).
 */
function leave(link: GroupLink, policy: LeaverPolicy, reason: GroupLeaveReason): GroupPlanItem | null {
  if (link.state !== GroupLinkState.Active) return null;
  const action =
    policy === LeaverPolicy.Delete ? 'DELETE' : policy === LeaverPolicy.Keep ? 'KEEP' : 'DISABLE';
  return { objectId: link.objectId, action, pbxGroupId: link.pbxGroupId, name: link.pbxName, reason };
}

/** Entra requires a displayName on groups; the object id stands in should one ever come empty. */
function groupName(group: EntraGroupState): string {
  return group.displayName.trim() || group.objectId;
}
