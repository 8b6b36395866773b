import { type Microsoft365User } from './microsoft365-user';
import { aUser } from '../../testing/microsoft365-user.fixture';
import { SelectionMode, type UserScope, evaluateScope } from './user-scope';

const everyone: UserScope = {
  includeGuests: false,
  selectionMode: SelectionMode.All,
  selectedUsers: new Set(),
  departments: new Set(),
  groupMembers: null,
};

describe('evaluateScope', () => {
  it.each<[string, Partial<Microsoft365User>, Partial<UserScope>, ReturnType<typeof evaluateScope>]>([
    ['a member with everyone in scope', {}, {}, { inScope: true }],
    ['a guest by default', { userType: 'Guest' }, {}, { inScope: false, reason: 'guest' }],
    ['a guest when guests are on', { userType: 'Guest' }, { includeGuests: true }, { inScope: true }],
    [
      'a user not in the include list',
      {},
      { selectionMode: SelectionMode.Include, selectedUsers: new Set(['x@contoso.com']) },
      { inScope: false, reason: 'not-selected' },
    ],
    [
      'a user in the include list by UPN, any case',
      { userPrincipalName: 'Adele@Contoso.com' },
      { selectionMode: SelectionMode.Include, selectedUsers: new Set(['adele@contoso.com']) },
      { inScope: true },
    ],
    [
      'a user in the include list by object id',
      {},
      {
        selectionMode: SelectionMode.Include,
        selectedUsers: new Set(['11111111-1111-4111-8111-111111111111']),
      },
      { inScope: true },
    ],
    [
      'a user in the exclude list',
      {},
      { selectionMode: SelectionMode.Exclude, selectedUsers: new Set(['adele@contoso.com']) },
      { inScope: false, reason: 'excluded' },
    ],
    [
      'a user outside the departments',
      { department: 'Marketing' },
      { departments: new Set(['sales']) },
      { inScope: false, reason: 'department' },
    ],
    [
      'a department in another case with spaces',
      { department: ' SALES ' },
      { departments: new Set(['sales', 'it']) },
      { inScope: true },
    ],
    [
      'a user with no department when departments are filtered',
      { department: null },
      { departments: new Set(['sales']) },
      { inScope: false, reason: 'department' },
    ],
    [
      'a user outside the groups',
      {},
      { groupMembers: new Set(['someone-else']) },
      { inScope: false, reason: 'group' },
    ],
    [
      'a user in a (nested) group',
      {},
      { groupMembers: new Set(['11111111-1111-4111-8111-111111111111']) },
      { inScope: true },
    ],
    ['a disabled account', { accountEnabled: false }, {}, { inScope: false, reason: 'account-disabled' }],
  ])('%s', (_name, user, scope, verdict) => {
    expect(evaluateScope(aUser(user), { ...everyone, ...scope })).toEqual(verdict);
  });
});
