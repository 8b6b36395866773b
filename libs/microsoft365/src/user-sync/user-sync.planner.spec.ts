import { type PbxDirectoryUser } from '../ports/pbx-directory.port';
import { aUser } from '../../testing/microsoft365-user.fixture';
import { type Microsoft365User } from './microsoft365-user';
import { toPbxProfile } from './user-profile.mapper';
import { SelectionMode } from './user-scope';
import { type OwnableField } from './field-ownership';
import { LeaverPolicy, LinkState, type PhotoPlan, type PlanContext, type UserLink } from './user-sync-plan';
import { planLeavers, planMissing, planUsers } from './user-sync.planner';

const adele = aUser();
const pbxAdele: PbxDirectoryUser = { id: 'pbx-1', extension: '1001', enabled: true, ...toPbxProfile(adele) };
const activeLink: UserLink = {
  objectId: adele.id,
  pbxUserId: 'pbx-1',
  extension: '1001',
  state: LinkState.Active,
};

function context(overrides: Partial<PlanContext> = {}): PlanContext {
  return {
    scope: {
      includeGuests: false,
      selectionMode: SelectionMode.All,
      selectedUsers: new Set(),
      departments: new Set(),
      groupMembers: null,
    },
    leaverPolicy: LeaverPolicy.Disable,
    linkExistingUsers: true,
    pbxOwned: new Set(),
    links: new Map(),
    pbxUsers: new Map(),
    matchable: { byUserPrincipalName: new Map(), byEmail: new Map() },
    ...overrides,
  };
}

const linked = (link: UserLink = activeLink, pbxUser: PbxDirectoryUser = pbxAdele) =>
  context({ links: new Map([[link.objectId, link]]), pbxUsers: new Map([[pbxUser.id, pbxUser]]) });

describe('planUsers', () => {
  it('should create a new in-scope user', () => {
    const plan = planUsers([adele], context());
    expect(plan.actions).toEqual([
      {
        action: 'create',
        objectId: adele.id,
        userPrincipalName: 'adele@contoso.com',
        profile: toPbxProfile(adele),
        reuseExtension: null,
      },
    ]);
  });

  it('should count an unchanged linked user without an action', () => {
    const plan = planUsers([adele], linked());
    expect(plan).toEqual({
      actions: [],
      unchanged: 1,
      outOfScope: {},
      photos: [{ objectId: adele.id, reason: 'follows-microsoft365' }],
    });
  });

  it('should overwrite a local edit of an owned field', () => {
    const plan = planUsers([adele], linked(activeLink, { ...pbxAdele, jobTitle: 'Edited in the PBX' }));
    expect(plan.actions).toEqual([
      expect.objectContaining({
        action: 'update',
        changes: [{ field: 'jobTitle', from: 'Edited in the PBX', to: 'Account Manager' }],
        enable: false,
      }),
    ]);
  });

  it('should update a renamed user in place (the link is by object id, not UPN)', () => {
    const renamed = aUser({ userPrincipalName: 'adele.vance@contoso.com' });
    const plan = planUsers([renamed], linked());
    expect(plan.actions).toEqual([
      expect.objectContaining({
        action: 'update',
        pbxUserId: 'pbx-1',
        changes: [{ field: 'userPrincipalName', from: 'adele@contoso.com', to: 'adele.vance@contoso.com' }],
      }),
    ]);
  });

  it('should re-enable a user the sync disabled when they come back', () => {
    const plan = planUsers(
      [adele],
      linked({ ...activeLink, state: LinkState.Disabled }, { ...pbxAdele, enabled: false }),
    );
    expect(plan.actions).toEqual([expect.objectContaining({ action: 'update', enable: true, changes: [] })]);
  });

  it('should recreate a user whose PBX account is gone, with the extension it had', () => {
    const plan = planUsers(
      [adele],
      context({ links: new Map([[adele.id, { ...activeLink, pbxUserId: null, state: LinkState.Deleted }]]) }),
    );
    expect(plan.actions).toEqual([expect.objectContaining({ action: 'create', reuseExtension: '1001' })]);
  });

  it('should link an existing PBX user with the same UPN instead of creating a duplicate', () => {
    const existing = { ...pbxAdele, id: 'pbx-9', extension: '200', jobTitle: null };
    const plan = planUsers(
      [adele],
      context({
        matchable: { byUserPrincipalName: new Map([['adele@contoso.com', existing]]), byEmail: new Map() },
      }),
    );
    expect(plan.actions).toEqual([
      expect.objectContaining({
        action: 'link',
        pbxUserId: 'pbx-9',
        matchedBy: 'userPrincipalName',
        extension: '200',
        changes: [{ field: 'jobTitle', from: null, to: 'Account Manager' }],
      }),
    ]);
  });

  it('should link by email when the UPN does not match, and never link one PBX user twice', () => {
    const existing = { ...pbxAdele, id: 'pbx-9', userPrincipalName: null };
    const twin = aUser({ id: '22222222-2222-4222-8222-222222222222', userPrincipalName: 'twin@contoso.com' });
    const plan = planUsers(
      [adele, twin],
      context({
        matchable: { byUserPrincipalName: new Map(), byEmail: new Map([['adele@contoso.com', existing]]) },
      }),
    );
    expect(plan.actions.map((a) => a.action)).toEqual(['link', 'create']);
    expect(plan.actions[0]).toMatchObject({ matchedBy: 'email' });
  });

  it('should not link when linking is switched off', () => {
    const plan = planUsers(
      [adele],
      context({
        linkExistingUsers: false,
        matchable: { byUserPrincipalName: new Map([['adele@contoso.com', pbxAdele]]), byEmail: new Map() },
      }),
    );
    expect(plan.actions.map((a) => a.action)).toEqual(['create']);
  });

  it('should skip a user with neither first nor last name, with the reason', () => {
    const plan = planUsers([aUser({ givenName: null, surname: ' ' })], context());
    expect(plan.actions).toEqual([
      { action: 'skip', objectId: adele.id, userPrincipalName: 'adele@contoso.com', reason: 'no-name' },
    ]);
  });

  it('should leave an account an admin unbound alone, in or out of scope', () => {
    const unbound = { ...activeLink, pbxUserId: null, extension: null, state: LinkState.Unbound };
    const plan = planUsers([adele, aUser({ accountEnabled: false })], linked(unbound));
    expect(plan.actions).toEqual([
      { action: 'skip', objectId: adele.id, userPrincipalName: 'adele@contoso.com', reason: 'unbound' },
      { action: 'skip', objectId: adele.id, userPrincipalName: 'adele@contoso.com', reason: 'unbound' },
    ]);
  });

  it.each([
    [LeaverPolicy.Disable, 'disable'],
    [LeaverPolicy.Delete, 'delete'],
    [LeaverPolicy.Keep, 'keep'],
  ])(
    'should apply the %s policy to a linked user who moved out of the department scope',
    (policy, action) => {
      const plan = planUsers([aUser({ department: 'Marketing' })], {
        ...linked(),
        leaverPolicy: policy,
        scope: { ...context().scope, departments: new Set(['sales']) },
      });
      expect(plan.actions).toEqual([
        {
          action,
          objectId: adele.id,
          userPrincipalName: 'adele@contoso.com',
          pbxUserId: 'pbx-1',
          reason: 'department',
        },
      ]);
      expect(plan.outOfScope).toEqual({ department: 1 });
    },
  );

  it('should treat a disabled account and a deletion as leavers', () => {
    expect(planUsers([aUser({ accountEnabled: false })], linked()).actions).toEqual([
      expect.objectContaining({ action: 'disable', reason: 'account-disabled' }),
    ]);
    expect(planUsers([{ id: adele.id, removed: 'deleted' }], linked()).actions).toEqual([
      expect.objectContaining({
        action: 'disable',
        reason: 'deleted-in-microsoft365',
        userPrincipalName: null,
      }),
    ]);
  });

  it('should leave alone out-of-scope users it never synced, and leavers it already handled', () => {
    expect(planUsers([aUser({ userType: 'Guest' })], context()).actions).toEqual([]);
    expect(
      planUsers([{ id: adele.id, removed: 'changed' }], linked({ ...activeLink, state: LinkState.Disabled }))
        .actions,
    ).toEqual([]);
  });
});

describe('planUsers with fields the PBX owns', () => {
  /** Adele as the PBX has her after local edits of every ownable profile field. */
  const editedLocally: PbxDirectoryUser = {
    ...pbxAdele,
    displayName: 'Reception (Adele)',
    firstName: 'Ada',
    lastName: 'V.',
    email: 'reception@pbx.example',
    businessPhones: ['100'],
    mobilePhone: null,
    jobTitle: 'Receptionist',
    department: 'Front desk',
  };
  const renamedInMicrosoft365 = aUser({ displayName: 'Adele Vance-Smith', jobTitle: 'Head of Sales' });
  const fields = [
    'displayName',
    'firstName',
    'lastName',
    'email',
    'businessPhones',
    'mobilePhone',
    'jobTitle',
    'department',
  ] as const satisfies readonly OwnableField[];
  const changedFields = (plan: ReturnType<typeof planUsers>) =>
    plan.actions.flatMap((a) => ('changes' in a ? a.changes.map((c) => c.field) : []));

  it.each(fields.map((field) => [field]))(
    'should never put %s into an update of a linked user when the PBX owns it',
    (field) => {
      const plan = planUsers([adele], {
        ...linked(activeLink, editedLocally),
        pbxOwned: new Set<OwnableField>([field]),
      });
      expect(changedFields(plan).sort()).toEqual(fields.filter((f) => f !== field).sort());
    },
  );

  const localName = { ...pbxAdele, displayName: 'Reception' };
  it.each<[string, Microsoft365User, OwnableField[], PbxDirectoryUser, string[], number]>([
    // case, the user in Microsoft 365, PBX-owned fields, the user in the PBX, fields updated, counted unchanged
    ['all follow Microsoft 365 (the default)', adele, [], editedLocally, [...fields], 0],
    ['all kept in the PBX: nothing to update', adele, [...fields], editedLocally, [], 1],
    [
      'display name kept, the job title still follows',
      renamedInMicrosoft365,
      ['displayName'],
      localName,
      ['jobTitle'],
      0,
    ],
    [
      'display name kept, nothing else changed',
      renamedInMicrosoft365,
      ['displayName'],
      { ...localName, jobTitle: 'Head of Sales' },
      [],
      1,
    ],
  ])('%s', (_case, user, pbxOwned, pbxUser, expected, unchanged) => {
    const plan = planUsers([user], { ...linked(activeLink, pbxUser), pbxOwned: new Set(pbxOwned) });
    expect(changedFields(plan).sort()).toEqual([...expected].sort());
    expect(plan.unchanged).toBe(unchanged);
  });

  it('should still re-enable a returning user whose changed fields are all kept in the PBX', () => {
    const plan = planUsers([renamedInMicrosoft365], {
      ...linked({ ...activeLink, state: LinkState.Disabled }, { ...pbxAdele, enabled: false }),
      pbxOwned: new Set<OwnableField>(['displayName', 'jobTitle']),
    });
    expect(plan.actions).toEqual([expect.objectContaining({ action: 'update', enable: true, changes: [] })]);
  });

  it('should leave what the PBX owns alone when it links an existing PBX user', () => {
    const existing = { ...editedLocally, id: 'pbx-9', extension: '200' };
    const plan = planUsers([adele], {
      ...context({
        matchable: { byUserPrincipalName: new Map([['adele@contoso.com', existing]]), byEmail: new Map() },
      }),
      pbxOwned: new Set<OwnableField>(['displayName', 'businessPhones', 'photo']),
    });
    expect(plan.actions).toEqual([expect.objectContaining({ action: 'link', pbxUserId: 'pbx-9' })]);
    expect(changedFields(plan)).not.toContain('displayName');
    expect(changedFields(plan)).not.toContain('businessPhones');
    expect(changedFields(plan)).toContain('jobTitle');
    expect(plan.photos).toEqual([]);
  });

  it.each<[string, UserLink | undefined, PbxDirectoryUser | undefined]>([
    ['a new user', undefined, undefined],
    ['a user deleted in the PBX', activeLink, undefined],
    [
      'a user the leaver policy deleted',
      { ...activeLink, pbxUserId: null, state: LinkState.Deleted },
      undefined,
    ],
  ])('should set every field, PBX-owned ones included, when it creates %s', (_case, link, pbxUser) => {
    const plan = planUsers([renamedInMicrosoft365], {
      ...context({
        links: new Map(link ? [[link.objectId, link]] : []),
        pbxUsers: new Map(pbxUser ? [[pbxUser.id, pbxUser]] : []),
      }),
      pbxOwned: new Set<OwnableField>([...fields, 'photo']),
    });
    expect(plan.actions).toEqual([
      expect.objectContaining({ action: 'create', profile: toPbxProfile(renamedInMicrosoft365) }),
    ]);
    expect(plan.photos).toEqual([{ objectId: adele.id, reason: 'created' }]);
  });

  it.each<[string, OwnableField[], PhotoPlan[]]>([
    ['Microsoft 365 owns the photo: checked', [], [{ objectId: adele.id, reason: 'follows-microsoft365' }]],
    ['the PBX owns the photo: not looked at', ['photo'], []],
  ])('photos of a linked user: %s', (_case, pbxOwned, photos) => {
    expect(planUsers([adele], { ...linked(), pbxOwned: new Set(pbxOwned) }).photos).toEqual(photos);
  });

  it('should plan no photo for skipped, out-of-scope and leaving users', () => {
    const plan = planUsers(
      [aUser({ givenName: null, surname: null }), aUser({ accountEnabled: false })],
      linked(),
    );
    expect(plan.photos).toEqual([]);
  });
});

describe('planMissing', () => {
  it('should turn links Graph no longer returns into leavers, except those already handled', () => {
    const actions = planMissing(
      [activeLink, { ...activeLink, objectId: 'gone-2', pbxUserId: 'pbx-2', state: LinkState.Kept }],
      { leaverPolicy: LeaverPolicy.Delete },
    );
    expect(actions).toEqual([
      {
        action: 'delete',
        objectId: adele.id,
        userPrincipalName: null,
        pbxUserId: 'pbx-1',
        reason: 'deleted-in-microsoft365',
      },
    ]);
  });
});

describe('planLeavers', () => {
  it('should plan group leavers by policy and keep the UPN for the report', () => {
    const leavers = planLeavers([{ ...activeLink, userPrincipalName: 'adele@contoso.com' }], 'group', {
      leaverPolicy: LeaverPolicy.Delete,
    });
    expect(leavers).toEqual([
      {
        action: 'delete',
        objectId: adele.id,
        userPrincipalName: 'adele@contoso.com',
        pbxUserId: 'pbx-1',
        reason: 'group',
      },
    ]);
  });
});
