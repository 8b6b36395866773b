import {
  DEFAULT_ADMINISTRATOR_RULE,
  DEFAULT_USER_RULE,
  decideSignIn,
  type SignInRole,
  type SignInRule,
  type SignInRules,
  SignInScope,
  type SsoClient,
  toSelectedUser,
} from './sign-in-rules';

const ADA = { objectId: 'aaaaaaaa-0000-0000-0000-000000000001' };
const ada = { objectId: ADA.objectId, userPrincipalName: 'ada@contoso.test' };
const bob = { objectId: 'bbbbbbbb-0000-0000-0000-000000000002', userPrincipalName: 'bob@contoso.test' };

function rules(users: Partial<SignInRule> = {}, administrators: Partial<SignInRule> = {}): SignInRules {
  return {
    users: { ...DEFAULT_USER_RULE, ...users },
    administrators: { ...DEFAULT_ADMINISTRATOR_RULE, ...administrators },
  };
}

describe('decideSignIn', () => {
  it.each<[string, SignInRules, SignInRole, SsoClient, boolean]>([
    ['users by default, web', rules(), 'user', 'web', true],
    ['users by default, app', rules(), 'user', 'app', true],
    ['tenant admins not by default', rules(), 'tenant-admin', 'web', false],
    ['system admins not by default', rules(), 'system-admin', 'web', false],
    ['users switched off', rules({ enabled: false }), 'user', 'web', false],
    ['users on the web only, from the app', rules({ app: false }), 'user', 'app', false],
    ['users on the web only, from the web', rules({ app: false }), 'user', 'web', true],
    [
      'admins switched on for all',
      rules({}, { enabled: true, scope: SignInScope.All }),
      'tenant-admin',
      'web',
      true,
    ],
    [
      'admins on, but not from the app by default',
      rules({}, { enabled: true, scope: SignInScope.All }),
      'tenant-admin',
      'app',
      false,
    ],
    [
      'admin included by object id',
      rules({}, { enabled: true, selectedUsers: [ada] }),
      'tenant-admin',
      'web',
      true,
    ],
    [
      'system admin included by object id (stored in upper case before)',
      rules({}, { enabled: true, selectedUsers: [toSelectedUser(ADA.objectId.toUpperCase())] }),
      'system-admin',
      'web',
      true,
    ],
    [
      'admin not among the included',
      rules({}, { enabled: true, selectedUsers: [bob] }),
      'tenant-admin',
      'web',
      false,
    ],
    ['user excluded', rules({ scope: SignInScope.Exclude, selectedUsers: [ada] }), 'user', 'web', false],
    ['user not excluded', rules({ scope: SignInScope.Exclude, selectedUsers: [bob] }), 'user', 'web', true],
    [
      'an allowed user rule never lets an admin in',
      rules({ scope: SignInScope.All }, { enabled: false }),
      'tenant-admin',
      'web',
      false,
    ],
    [
      'an allowed admin rule never decides for users',
      rules({ enabled: false }, { enabled: true, scope: SignInScope.All }),
      'user',
      'web',
      false,
    ],
  ])('%s', (_name, given, role, client, allowed) => {
    expect(decideSignIn(given, role, client, ADA).allowed).toBe(allowed);
  });

  it('says why it refused', () => {
    expect(decideSignIn(rules({ app: false }), 'user', 'app', ADA)).toEqual({
      allowed: false,
      reason: 'sign-in is off for users on the app client',
    });
  });

  it('never matches on a name: a UPN saved before names were resolved neither includes nor lets through', () => {
    const legacy = [toSelectedUser('ada@contoso.test')];
    expect(legacy).toEqual([{ objectId: null, userPrincipalName: 'ada@contoso.test' }]);
    expect(
      decideSignIn(rules({ scope: SignInScope.Include, selectedUsers: legacy }), 'user', 'web', ADA).allowed,
    ).toBe(false);
    expect(
      decideSignIn(rules({ scope: SignInScope.Exclude, selectedUsers: legacy }), 'user', 'web', ADA),
    ).toEqual({
      allowed: false,
      reason: 'the users exclusion has unresolved names; save the rule again',
    });
  });
});
