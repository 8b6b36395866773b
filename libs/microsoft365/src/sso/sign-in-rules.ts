/** Which Microsoft users a rule covers (PortSIP's `sync_type` + `selected_users`). */
export enum SignInScope {
  All = 'ALL',
  /** Only the selected users. */
  Include = 'INCLUDE',
  /** Everybody but the selected users. */
  Exclude = 'EXCLUDE',
}

export type SsoClient = 'web' | 'app';

/**
 * A Microsoft account a rule names. Admins type UPNs or object ids; the module resolves them in Graph when the rule
 * is saved and matches on the object id only: a UPN is mutable, so renaming a user must not move them across a rule.
 */
export interface SelectedUser {
  /** The immutable object id (`oid`), lower case; null only for an entry saved before names were resolved. */
  objectId: string | null;
  /** The UPN when the rule was saved, for admins to read; never matched. */
  userPrincipalName: string | null;
}

/** Who of one PBX role may sign in with Microsoft, and from which clients. */
export interface SignInRule {
  enabled: boolean;
  web: boolean;
  app: boolean;
  scope: SignInScope;
  selectedUsers: SelectedUser[];
}

/** The PBX role a sign-in is for: the PBX decides roles, SSO can only restrict who uses them. */
export type SignInRole = 'system-admin' | 'tenant-admin' | 'user';

export interface SignInRules {
  /** Tenant users; unused in the system scope. */
  users: SignInRule;
  /** Tenant admins, or system admins in the system scope. */
  administrators: SignInRule;
}

export const DEFAULT_USER_RULE: SignInRule = {
  enabled: true,
  web: true,
  app: true,
  scope: SignInScope.All,
  selectedUsers: [],
};

/** Administrators sign in with Microsoft only once an admin switched it on: their sessions can do much more. */
export const DEFAULT_ADMINISTRATOR_RULE: SignInRule = {
  enabled: false,
  web: true,
  app: false,
  scope: SignInScope.Include,
  selectedUsers: [],
};

export type SignInDecision = { allowed: true } | { allowed: false; reason: string };

/**
 * May this Microsoft user sign in as this PBX role on this client? The role comes from the PBX user the account
 * is linked to; a rule never grants a role, it only lets a user in or keeps them out.
 */
export function decideSignIn(
  rules: SignInRules,
  role: SignInRole,
  client: SsoClient,
  account: { objectId: string },
): SignInDecision {
  const rule = role === 'user' ? rules.users : rules.administrators;
  const who = role === 'user' ? 'users' : 'administrators';
  if (!rule.enabled) return { allowed: false, reason: `sign-in is off for ${who}` };
  if (!rule[client]) return { allowed: false, reason: `sign-in is off for ${who} on the ${client} client` };
  const objectId = account.objectId.toLowerCase();
  const isSelected = rule.selectedUsers.some((entry) => entry.objectId === objectId);
  switch (rule.scope) {
    case SignInScope.All:
      return { allowed: true };
    case SignInScope.Include:
      return isSelected ? { allowed: true } : { allowed: false, reason: `not among the selected ${who}` };
    case SignInScope.Exclude:
      if (isSelected) return { allowed: false, reason: `excluded from the ${who}` };
      // An exclusion saved as bare names cannot be matched safely: keep everybody out until it is saved again.
      if (rule.selectedUsers.some((entry) => entry.objectId === null)) {
        return { allowed: false, reason: `the ${who} exclusion has unresolved names; save the rule again` };
      }
      return { allowed: true };
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A stored entry; rules saved before names were resolved hold plain strings (object ids or UPNs). */
export function toSelectedUser(entry: unknown): SelectedUser {
  if (typeof entry === 'string') {
    return GUID.test(entry)
      ? { objectId: entry.toLowerCase(), userPrincipalName: null }
      : { objectId: null, userPrincipalName: entry };
  }
  const { objectId, userPrincipalName } = (entry ?? {}) as Partial<SelectedUser>;
  return {
    objectId: typeof objectId === 'string' ? objectId.toLowerCase() : null,
    userPrincipalName: typeof userPrincipalName === 'string' ? userPrincipalName : null,
  };
}
