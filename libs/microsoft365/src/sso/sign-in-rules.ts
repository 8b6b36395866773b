/** Which Microsoft users a rule covers (PortSIP's `sync_type` + `selected_users`). */
export enum SignInScope {
  All = 'ALL',
  /** Only the selected users. */
  Include = 'INCLUDE',
  /** Everybody but the selected users. */
  Exclude = 'EXCLUDE',
}

export type SsoClient = 'web' | 'app';

/** Who of one PBX role may sign in with Microsoft, and from which clients. */
export interface SignInRule {
  enabled: boolean;
  web: boolean;
  app: boolean;
  scope: SignInScope;
  /** User principal names or object ids, compared case-insensitively. */
  selectedUsers: string[];
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
  account: { objectId: string; userPrincipalName: string | null },
): SignInDecision {
  const rule = role === 'user' ? rules.users : rules.administrators;
  const who = role === 'user' ? 'users' : 'administrators';
  if (!rule.enabled) return { allowed: false, reason: `sign-in is off for ${who}` };
  if (!rule[client]) return { allowed: false, reason: `sign-in is off for ${who} on the ${client} client` };
  const selected = new Set(rule.selectedUsers.map((entry) => entry.trim().toLowerCase()));
  const keys = [account.objectId, account.userPrincipalName]
    .filter((key): key is string => !!key)
    .map((key) => key.toLowerCase());
  const isSelected = keys.some((key) => selected.has(key));
  switch (rule.scope) {
    case SignInScope.All:
      return { allowed: true };
    case SignInScope.Include:
      return isSelected ? { allowed: true } : { allowed: false, reason: `not among the selected ${who}` };
    case SignInScope.Exclude:
      return isSelected ? { allowed: false, reason: `excluded from the ${who}` } : { allowed: true };
  }
}
