import { aUser } from '../../testing/microsoft365-user.fixture';
import { type ExtensionSource } from './extension-source';
import { type Microsoft365User } from './microsoft365-user';
import { SelectionMode } from './user-scope';
import { LeaverPolicy, LinkState, type PlanContext, type UserLink } from './user-sync-plan';
import { planUsers } from './user-sync.planner';

const numbered = (n: number, overrides: Partial<Microsoft365User>) =>
  aUser({ id: `id-${n}`, userPrincipalName: `u${n}@contoso.com`, mail: `u${n}@contoso.com`, ...overrides });

function context(
  source: ExtensionSource | null,
  unavailable: string[] = [],
  links: UserLink[] = [],
): PlanContext {
  return {
    scope: {
      includeGuests: false,
      selectionMode: SelectionMode.All,
      selectedUsers: new Set(),
      departments: new Set(),
      groupMembers: null,
    },
    leaverPolicy: LeaverPolicy.Disable,
    linkExistingUsers: false,
    pbxOwned: new Set(),
    links: new Map(links.map((l) => [l.objectId, l])),
    pbxUsers: new Map(),
    matchable: { byUserPrincipalName: new Map(), byEmail: new Map() },
    ...(source
      ? { numbering: { source, range: { start: '1000', end: '1999' }, unavailable: new Set(unavailable) } }
      : {}),
  };
}

type Row = { sourceExtension?: string; code?: string };

describe('planUsers: extensions from an Entra attribute', () => {
  it.each<[string, ExtensionSource | null, Partial<Microsoft365User>, string[], Row]>([
    ['allocator (no numbering)', null, { employeeId: '1234' }, [], {}],
    ['employeeId', 'EMPLOYEE_ID', { employeeId: '1234' }, [], { sourceExtension: '1234' }],
    [
      'extensionAttribute1',
      'EXTENSION_ATTRIBUTE_1',
      { extensionAttributes: { extensionAttribute1: '1500' } },
      [],
      { sourceExtension: '1500' },
    ],
    [
      'phone digits',
      'BUSINESS_PHONE_EXTENSION',
      { businessPhones: ['+1 425 555 0100 x1234'] },
      [],
      { sourceExtension: '1234' },
    ],
    ['empty attribute', 'EXTENSION_ATTRIBUTE_2', { extensionAttributes: {} }, [], {}],
    ['invalid', 'EMPLOYEE_ID', { employeeId: 'E17' }, [], { code: 'EXTENSION_SOURCE_INVALID' }],
    ['out of range', 'EMPLOYEE_ID', { employeeId: '2500' }, [], { code: 'EXTENSION_SOURCE_OUT_OF_RANGE' }],
    ['taken', 'EMPLOYEE_ID', { employeeId: '1234' }, ['1234'], { code: 'EXTENSION_SOURCE_TAKEN' }],
  ])('%s', (_, source, overrides, unavailable, expected) => {
    const [action] = planUsers([numbered(1, overrides)], context(source, unavailable)).actions;
    expect(action).toMatchObject({ action: 'create', reuseExtension: null });
    const create = action as { sourceExtension?: string; extensionNote?: { code: string } };
    expect(create.sourceExtension).toBe(expected.sourceExtension);
    expect(create.extensionNote?.code).toBe(expected.code);
  });

  it('never gives one value to two users of a page: the second falls back', () => {
    const plan = planUsers(
      [numbered(1, { employeeId: '1234' }), numbered(2, { employeeId: '1234' })],
      context('EMPLOYEE_ID'),
    );
    expect(plan.actions).toEqual([
      expect.objectContaining({ objectId: 'id-1', sourceExtension: '1234' }),
      expect.objectContaining({
        objectId: 'id-2',
        extensionNote: expect.objectContaining({ code: 'EXTENSION_SOURCE_TAKEN' }) as unknown,
      }),
    ]);
    expect(plan.actions[1]).not.toHaveProperty('sourceExtension');
  });

  it('keeps the number a returning user had, whatever the attribute says', () => {
    const link: UserLink = { objectId: 'id-1', pbxUserId: null, extension: '1001', state: LinkState.Deleted };
    const [action] = planUsers(
      [numbered(1, { employeeId: '1234' })],
      context('EMPLOYEE_ID', [], [link]),
    ).actions;
    expect(action).toEqual(expect.objectContaining({ reuseExtension: '1001' }));
    expect(action).not.toHaveProperty('sourceExtension');
    expect(action).not.toHaveProperty('extensionNote');
  });
});
