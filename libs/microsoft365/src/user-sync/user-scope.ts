import { type Microsoft365User } from './microsoft365-user';

export enum SelectionMode {
  All = 'ALL',
  Include = 'INCLUDE',
  Exclude = 'EXCLUDE',
}

export interface UserScope {
  includeGuests: boolean;
  selectionMode: SelectionMode;
  /** Lower-cased UPNs and object ids. */
  selectedUsers: ReadonlySet<string>;
  /** Lower-cased, trimmed department names; empty means every department. */
  departments: ReadonlySet<string>;
  /** Object ids of the users in the selected groups, nested groups included; null when there is no group filter. */
  groupMembers: ReadonlySet<string> | null;
}

export type OutOfScopeReason =
  'guest' | 'not-selected' | 'excluded' | 'department' | 'group' | 'account-disabled';

export type ScopeVerdict = { inScope: true } | { inScope: false; reason: OutOfScopeReason };

/**
 * Whether a Microsoft 365 user belongs in the PBX. Departments compare as Entra's `$filter=department eq` does:
 * case-insensitively on the whole value.
 */
export function evaluateScope(user: Microsoft365User, scope: UserScope): ScopeVerdict {
  if (!scope.includeGuests && (user.userType ?? 'Member').toLowerCase() === 'guest') {
    return { inScope: false, reason: 'guest' };
  }
  const selected =
    scope.selectedUsers.has(user.id.toLowerCase()) ||
    scope.selectedUsers.has(user.userPrincipalName.toLowerCase());
  if (scope.selectionMode === SelectionMode.Include && !selected)
    return { inScope: false, reason: 'not-selected' };
  if (scope.selectionMode === SelectionMode.Exclude && selected)
    return { inScope: false, reason: 'excluded' };
  if (scope.departments.size > 0 && !scope.departments.has(normaliseDepartment(user.department))) {
    return { inScope: false, reason: 'department' };
  }
  if (scope.groupMembers && !scope.groupMembers.has(user.id)) return { inScope: false, reason: 'group' };
  if (user.accountEnabled === false) return { inScope: false, reason: 'account-disabled' };
  return { inScope: true };
}

export function normaliseDepartment(department: string | null): string {
  return (department ?? '').trim().toLowerCase();
}
