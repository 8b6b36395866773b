import { LeaverPolicy } from '../user-sync/user-sync-plan';
import {
  type EntraGroupState,
  type GroupLink,
  GroupLinkState,
  type GroupPlanInput,
  type MemberLink,
} from './group-sync-plan';
import { followDelta, type GroupDeltaEntry, planGroups } from './group-sync.planner';

const group = (
  objectId: string,
  members: string[],
  fields: Partial<EntraGroupState> = {},
): EntraGroupState => ({
  objectId,
  displayName: `Group ${objectId}`,
  members,
  closure: [objectId],
  ...fields,
});

const link = (objectId: string, fields: Partial<GroupLink> = {}): GroupLink => ({
  objectId,
  pbxGroupId: `pbx-${objectId}`,
  state: GroupLinkState.Active,
  pbxName: `Group ${objectId}`,
  pbxMembers: [],
  ...fields,
});

const users: ReadonlyMap<string, MemberLink> = new Map([
  ['u1', { pbxUserId: 'p1', active: true }],
  ['u2', { pbxUserId: 'p2', active: true }],
  ['u3', { pbxUserId: 'p3', active: false }],
]);

function input(fields: Partial<GroupPlanInput>): GroupPlanInput {
  return {
    selected: new Set(),
    leaverPolicy: LeaverPolicy.Disable,
    links: new Map(),
    groups: new Map(),
    deleted: new Set(),
    userLinks: users,
    ...fields,
  };
}

const byId = <T extends { objectId: string }>(...items: T[]): Map<string, T> =>
  new Map(items.map((item) => [item.objectId, item]));

describe('planGroups', () => {
  it.each([
    {
      name: 'a new selected group is created with its synced members only',
      given: input({ selected: new Set(['g']), groups: byId(group('g', ['u1', 'u2', 'u3', 'u9'])) }),
      items: [
        { objectId: 'g', action: 'CREATE', members: { set: ['p1', 'p2'], added: ['p1', 'p2'], removed: [] } },
      ],
      skipped: [
        { groupObjectId: 'g', userObjectId: 'u3', reason: 'USER_NOT_ACTIVE' },
        { groupObjectId: 'g', userObjectId: 'u9', reason: 'NOT_SYNCED' },
      ],
    },
    {
      name: 'nothing changed: unchanged',
      given: input({
        selected: new Set(['g']),
        groups: byId(group('g', ['u1'])),
        links: byId(link('g', { pbxMembers: ['p1'] })),
      }),
      items: [{ objectId: 'g', action: 'UNCHANGED' }],
      skipped: [],
    },
    {
      name: 'a rename and a member change are one update',
      given: input({
        selected: new Set(['g']),
        groups: byId(group('g', ['u2'], { displayName: 'Support' })),
        links: byId(link('g', { pbxMembers: ['p1'] })),
      }),
      items: [
        {
          action: 'UPDATE',
          pbxGroupId: 'pbx-g',
          rename: { from: 'Group g', to: 'Support' },
          members: { set: ['p2'], added: ['p2'], removed: ['p1'] },
        },
      ],
      skipped: [],
    },
    {
      name: 'a disabled group selected again is re-enabled',
      given: input({
        selected: new Set(['g']),
        groups: byId(group('g', [])),
        links: byId(link('g', { state: GroupLinkState.Disabled })),
      }),
      items: [{ action: 'UPDATE', reEnable: true }],
      skipped: [],
    },
    ...[
      [LeaverPolicy.Disable, 'DISABLE'],
      [LeaverPolicy.Delete, 'DELETE'],
      [LeaverPolicy.Keep, 'KEEP'],
    ].flatMap(([policy, action]) => [
      {
        name: `a group deleted in Entra follows the ${policy} policy`,
        given: input({
          selected: new Set(['g']),
          leaverPolicy: policy as LeaverPolicy,
          links: byId(link('g')),
        }),
        items: [{ objectId: 'g', action, pbxGroupId: 'pbx-g', reason: 'DELETED_IN_ENTRA' }],
        skipped: [],
      },
      {
        name: `a deselected group follows the ${policy} policy`,
        given: input({ leaverPolicy: policy as LeaverPolicy, links: byId(link('g')) }),
        items: [{ objectId: 'g', action, reason: 'DESELECTED' }],
        skipped: [],
      },
    ]),
    {
      name: 'a deselected group Entra reported deleted says so',
      given: input({ links: byId(link('g')), deleted: new Set(['g']) }),
      items: [{ action: 'DISABLE', reason: 'DELETED_IN_ENTRA' }],
      skipped: [],
    },
    {
      name: 'a group that left before is not handled again, whatever the policy now',
      given: input({
        leaverPolicy: LeaverPolicy.Delete,
        links: byId(link('a', { state: GroupLinkState.Disabled }), link('b', { state: GroupLinkState.Kept })),
      }),
      items: [],
      skipped: [],
    },
  ])('$name', ({ given, items, skipped }) => {
    const plan = planGroups(given);
    expect(plan.items).toMatchObject(items);
    expect(plan.items).toHaveLength(items.length);
    expect(plan.skipped).toEqual(skipped);
  });

  it('reports a selected group Entra does not know and that was never linked as missing', () => {
    expect(planGroups(input({ selected: new Set(['nope']) }))).toEqual({
      items: [],
      skipped: [],
      missing: ['nope'],
    });
  });

  it('maps two Entra users linked to one PBX user once, sorted', () => {
    const userLinks = new Map([
      ['a', { pbxUserId: 'p9', active: true }],
      ['b', { pbxUserId: 'p1', active: true }],
    ]);
    const plan = planGroups(
      input({ selected: new Set(['g']), groups: byId(group('g', ['a', 'b'])), userLinks }),
    );
    expect(plan.items[0]?.members?.set).toEqual(['p1', 'p9']);
  });
});

describe('followDelta', () => {
  const entry = (id: string, fields: Partial<GroupDeltaEntry> = {}): GroupDeltaEntry => ({
    id,
    removed: false,
    members: [],
    ...fields,
  });
  const user = (id: string, removed = false) => ({ id, type: 'user' as const, removed });
  const flat = group('g', ['u1', 'u2']);
  const nested = group('g', ['u1', 'u2'], { closure: ['g', 'child'] });

  it.each([
    {
      name: 'no change of the group',
      stored: flat,
      changes: [entry('other', { members: [user('x')] })],
      kind: 'unchanged',
    },
    { name: 'deleted', stored: nested, changes: [entry('g', { removed: true })], kind: 'deleted' },
    {
      name: 'a nested group changed members',
      stored: nested,
      changes: [entry('child', { members: [user('u3')] })],
      kind: 'reread',
    },
    {
      name: 'a nested group was deleted',
      stored: nested,
      changes: [entry('child', { removed: true })],
      kind: 'reread',
    },
    {
      name: 'a group became a member',
      stored: flat,
      changes: [entry('g', { members: [{ id: 'child', type: 'group', removed: false }] })],
      kind: 'reread',
    },
    {
      name: 'a direct member left a group with nested groups',
      stored: nested,
      changes: [entry('g', { members: [user('u1', true)] })],
      kind: 'reread',
    },
  ])('$name: $kind', ({ stored, changes, kind }) => {
    expect(followDelta(stored, new Map(changes.map((c) => [c.id, c]))).kind).toBe(kind);
  });

  it('applies a rename and direct user changes of a group without nested groups, with no request', () => {
    const changes = new Map([
      ['g', entry('g', { displayName: 'Sales', members: [user('u1', true), user('U3')] })],
    ]);
    expect(followDelta(flat, changes)).toEqual({
      kind: 'updated',
      state: { ...flat, displayName: 'Sales', members: ['u2', 'u3'] },
    });
  });

  it('keeps the stored name and rereads the members of a renamed group with a nested change', () => {
    const changes = new Map([
      ['g', entry('g', { displayName: 'Sales' })],
      ['child', entry('child', { members: [user('u9')] })],
    ]);
    expect(followDelta(nested, changes)).toMatchObject({ kind: 'reread', displayName: 'Sales' });
  });
});
