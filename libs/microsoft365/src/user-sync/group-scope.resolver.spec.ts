import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { type GraphTarget } from '../graph/graph-api.service';
import { Microsoft365Cloud } from '../settings/microsoft365-cloud';
import { type GroupDeltaChange } from './group-scope.planner';
import { GroupScopeResolver } from './group-scope.resolver';
import { type Microsoft365DirectoryReader } from './microsoft365-directory.reader';
import { type UserSyncGroupMembersStore } from './user-sync-group-members.store';
import { UserSyncSettingsEntity } from './user-sync-settings.entity';

const target: GraphTarget = { pbxTenantId: 'pbx-1', cloud: Microsoft365Cloud.Global };

function setup(round: { changes: GroupDeltaChange[]; deltaLink: string } | Error) {
  const calls: string[] = [];
  const reader = {
    groupChangesSince: jest.fn(() => {
      calls.push('groupChangesSince');
      return round instanceof Error ? Promise.reject(round) : Promise.resolve(round);
    }),
    latestGroupDeltaLink: jest.fn(() => {
      calls.push('latestGroupDeltaLink');
      return Promise.resolve('latest-link');
    }),
    groupClosure: jest.fn(() => {
      calls.push('groupClosure');
      return Promise.resolve({ members: new Set(['u1', 'u3']), groups: ['root', 'nested', 'new'] });
    }),
  };
  const store = { load: jest.fn(() => Promise.resolve(new Set(['u1', 'u2']))) };
  const resolver = new GroupScopeResolver(
    reader as unknown as Microsoft365DirectoryReader,
    store as unknown as UserSyncGroupMembersStore,
  );
  const settings = Object.assign(new UserSyncSettingsEntity(), {
    pbxTenantId: 'pbx-1',
    groupIds: ['root'],
    groupDeltaLink: 'stored-link',
    groupClosure: ['root', 'nested'],
  });
  return { resolver, settings, calls };
}

describe('GroupScopeResolver', () => {
  it('reuses the stored members when no group of the closure changed members', async () => {
    const { resolver, settings, calls } = setup({
      changes: [
        { id: 'elsewhere', removed: false, memberChanges: 3 },
        { id: 'nested', removed: false, memberChanges: 0 },
      ],
      deltaLink: 'next-link',
    });
    const scope = await resolver.resolve(target, settings, true);
    expect(scope).toEqual({
      members: new Set(['u1', 'u2']),
      closure: ['root', 'nested'],
      deltaLink: 'next-link',
      readReason: null,
      stored: new Set(['u1', 'u2']),
    });
    expect(calls).toEqual(['groupChangesSince']);
  });

  it('reads members and closure again when a nested group changed, keeping the round its link', async () => {
    const { resolver, settings, calls } = setup({
      changes: [{ id: 'nested', removed: false, memberChanges: 1 }],
      deltaLink: 'next-link',
    });
    const scope = await resolver.resolve(target, settings, true);
    expect(scope).toMatchObject({
      members: new Set(['u1', 'u3']),
      closure: ['root', 'nested', 'new'],
      deltaLink: 'next-link',
      readReason: expect.stringMatching(/nested .*changed members/),
      stored: new Set(['u1', 'u2']),
    });
    expect(calls).toEqual(['groupChangesSince', 'groupClosure']);
  });

  it('takes a fresh link before reading when the stored one expired', async () => {
    const { resolver, settings, calls } = setup(
      new Microsoft365Exception(Microsoft365ErrorCode.DeltaExpired, 'expired', { action: 'none' }),
    );
    const scope = await resolver.resolve(target, settings, true);
    expect(scope).toMatchObject({ deltaLink: 'latest-link', readReason: expect.stringMatching(/expired/) });
    expect(calls).toEqual(['groupChangesSince', 'latestGroupDeltaLink', 'groupClosure']);
  });

  it('fails on other Graph errors', async () => {
    const { resolver, settings } = setup(
      new Microsoft365Exception(Microsoft365ErrorCode.GraphRequestFailed, 'down', { action: 'later' }),
    );
    await expect(resolver.resolve(target, settings, true)).rejects.toMatchObject({
      code: Microsoft365ErrorCode.GraphRequestFailed,
    });
  });

  it('does not ask the groups delta on a full run', async () => {
    const { resolver, settings, calls } = setup({ changes: [], deltaLink: 'next-link' });
    const scope = await resolver.resolve(target, settings, false);
    expect(scope).toMatchObject({ deltaLink: 'latest-link', readReason: expect.stringMatching(/full run/) });
    expect(calls).toEqual(['latestGroupDeltaLink', 'groupClosure']);
  });
});
