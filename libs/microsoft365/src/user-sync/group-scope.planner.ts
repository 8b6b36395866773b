/**
 * Decisions of the group scope, kept pure: when the members of the scope's groups must be listed from Graph
 * again, and what to write when they were. Membership changes do not show in the users' delta; the groups delta
 * (`$select=members`) reports them as `members@delta` of the group whose direct members changed, which is why
 * the whole closure (the configured groups and every group nested in them) is watched, not only the roots.
 */

/** One group as a groups delta round reported it, its pages merged (large groups repeat across pages). */
export interface GroupDeltaChange {
  id: string;
  /** The group was deleted (restorable or not). */
  removed: boolean;
  /** Entries of its `members@delta`: members added or removed since the link. 0 = another property changed. */
  memberChanges: number;
}

/** What the last member read left in the settings row. */
export interface StoredGroupScope {
  groupDeltaLink: string | null;
  groupClosure: readonly string[] | null;
}

/**
 * Why the members must be listed from Graph without asking the groups delta first; null when the stored ones may
 * be reused if the groups delta reports no change in the closure.
 */
export function groupScopeReadReason(
  roots: readonly string[],
  stored: StoredGroupScope,
  incremental: boolean,
): string | null {
  if (!incremental) return 'A full run reads the members of the scope groups';
  if (!stored.groupDeltaLink || !stored.groupClosure) return 'No members of the scope groups stored yet';
  const closure = new Set(stored.groupClosure.map((id) => id.toLowerCase()));
  // The fingerprint already forces a full run when the groups change; this guards a row written otherwise.
  if (roots.some((id) => !closure.has(id.toLowerCase())))
    return 'The stored members are of other scope groups';
  return null;
}

/** Why the stored members no longer hold: a group of the closure changed members or was deleted; null if none. */
export function closureChange(
  closure: readonly string[],
  changes: readonly GroupDeltaChange[],
): string | null {
  const watched = new Set(closure.map((id) => id.toLowerCase()));
  for (const change of changes) {
    if (!watched.has(change.id.toLowerCase())) continue;
    if (change.removed) return `The group ${change.id} of the scope was deleted`;
    if (change.memberChanges > 0) return `The group ${change.id} of the scope changed members`;
  }
  return null;
}

/** Merges the groups of several delta pages: a group may come once per page, each with a slice of its members. */
export function mergeGroupChanges(changes: readonly GroupDeltaChange[]): GroupDeltaChange[] {
  const merged = new Map<string, GroupDeltaChange>();
  for (const change of changes) {
    const id = change.id.toLowerCase();
    const before = merged.get(id);
    merged.set(id, {
      id,
      removed: change.removed || (before?.removed ?? false),
      memberChanges: change.memberChanges + (before?.memberChanges ?? 0),
    });
  }
  return [...merged.values()];
}

/** What to write so that the stored members become `next`: only the difference, usually small or empty. */
export function diffMembers(
  stored: ReadonlySet<string>,
  next: ReadonlySet<string>,
): { added: string[]; removed: string[] } {
  return {
    added: [...next].filter((id) => !stored.has(id)),
    removed: [...stored].filter((id) => !next.has(id)),
  };
}

/** Splits ids into chunks of at most `size`, so a statement stays a bounded size whatever the scope. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
