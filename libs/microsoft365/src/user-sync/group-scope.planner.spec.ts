import {
  chunk,
  closureChange,
  diffMembers,
  groupScopeReadReason,
  mergeGroupChanges,
} from './group-scope.planner';

const ROOT = 'aaaaaaaa-0000-4000-8000-000000000001';
const NESTED = 'aaaaaaaa-0000-4000-8000-000000000002';
const OTHER = 'aaaaaaaa-0000-4000-8000-000000000003';

describe('groupScopeReadReason', () => {
  const stored = { groupDeltaLink: 'https://graph/groups/delta?$deltatoken=x', groupClosure: [ROOT, NESTED] };

  it('reuses the stored members on an incremental run that has them for these groups', () => {
    expect(groupScopeReadReason([ROOT.toUpperCase()], stored, true)).toBeNull();
  });

  it('reads the members on full runs, without stored state, or for other groups', () => {
    expect(groupScopeReadReason([ROOT], stored, false)).toMatch(/full run/);
    expect(groupScopeReadReason([ROOT], { ...stored, groupDeltaLink: null }, true)).toMatch(/No members/);
    expect(groupScopeReadReason([ROOT], { ...stored, groupClosure: null }, true)).toMatch(/No members/);
    expect(groupScopeReadReason([ROOT, OTHER], stored, true)).toMatch(/other scope groups/);
  });
});

describe('closureChange', () => {
  it('ignores groups outside the closure and changes of other properties', () => {
    expect(
      closureChange(
        [ROOT, NESTED],
        [
          { id: OTHER, removed: true, memberChanges: 4 },
          { id: NESTED, removed: false, memberChanges: 0 },
        ],
      ),
    ).toBeNull();
  });

  it('sees member changes and deletions of any group of the closure, nested ones included', () => {
    expect(
      closureChange([ROOT, NESTED], [{ id: NESTED.toUpperCase(), removed: false, memberChanges: 1 }]),
    ).toBe(`The group ${NESTED.toUpperCase()} of the scope changed members`);
    expect(closureChange([ROOT, NESTED], [{ id: NESTED, removed: true, memberChanges: 0 }])).toMatch(
      /deleted/,
    );
  });
});

describe('mergeGroupChanges', () => {
  it('adds up the member slices of a group that came on several pages', () => {
    expect(
      mergeGroupChanges([
        { id: ROOT, removed: false, memberChanges: 0 },
        { id: NESTED, removed: false, memberChanges: 2 },
        { id: ROOT.toUpperCase(), removed: false, memberChanges: 3 },
        { id: NESTED, removed: true, memberChanges: 0 },
      ]),
    ).toEqual([
      { id: ROOT, removed: false, memberChanges: 3 },
      { id: NESTED, removed: true, memberChanges: 2 },
    ]);
  });
});

describe('diffMembers and chunk', () => {
  it('writes only the difference', () => {
    expect(diffMembers(new Set(['a', 'b', 'c']), new Set(['b', 'c', 'd']))).toEqual({
      added: ['d'],
      removed: ['a'],
    });
    expect(diffMembers(new Set(['a']), new Set(['a']))).toEqual({ added: [], removed: [] });
  });

  it('splits into bounded chunks', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 2)).toEqual([]);
  });
});
