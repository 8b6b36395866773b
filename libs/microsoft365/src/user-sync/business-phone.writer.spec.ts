import { type EntityManager } from '@mikro-orm/postgresql';
import { aUser } from '../../testing/microsoft365-user.fixture';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { type GraphApi } from '../graph/graph-api.service';
import { type SyncRunEntity } from '../runs/sync-run.entity';
import { BusinessPhoneWriter } from './business-phone.writer';
import { type UserLinkEntity } from './user-link.entity';
import { type UserSyncRunContext } from './user-sync-run.context';
import { type UserSyncSettingsEntity } from './user-sync-settings.entity';

const link = (objectId: string, extension: string, written: string | null = null) =>
  ({
    objectId,
    extension,
    writtenBusinessPhone: written,
    userPrincipalName: `${objectId}@x`,
  }) as UserLinkEntity;

function setUp(links: UserLinkEntity[], patch: jest.Mock, dryRun = false) {
  const em = { find: jest.fn(() => Promise.resolve(links)), flush: jest.fn() } as unknown as EntityManager;
  const run = { pbxTenantId: 't1', dryRun, counts: {}, issues: [] } as unknown as SyncRunEntity;
  const context = {
    run,
    target: { pbxTenantId: 't1', cloud: 'global' },
    settings: { businessPhoneTemplate: '+1 425 555 0100 x{extension}' } as UserSyncSettingsEntity,
  } as unknown as UserSyncRunContext;
  const writer = new BusinessPhoneWriter({ patch } as unknown as GraphApi);
  return { em, run, context, writer };
}

describe('BusinessPhoneWriter', () => {
  const users = [aUser({ id: 'a', businessPhones: [] }), aUser({ id: 'b', businessPhones: [] })];

  it('writes each empty business phone and remembers what it wrote', async () => {
    const patch = jest.fn(() => Promise.resolve(undefined));
    const links = [link('a', '1000'), link('b', '1001')];
    const { em, run, context, writer } = setUp(links, patch);
    await writer.write(em, context, users);
    expect(patch).toHaveBeenCalledWith(context.target, '/users/a', {
      businessPhones: ['+1 425 555 0100 x1000'],
    });
    expect(links.map((l) => l.writtenBusinessPhone)).toEqual([
      '+1 425 555 0100 x1000',
      '+1 425 555 0100 x1001',
    ]);
    expect(run.counts).toEqual({ 'businessPhone.written': 2 });
  });

  it("stops at a missing permission with one issue carrying Microsoft's code", async () => {
    const denied = new Microsoft365Exception(
      Microsoft365ErrorCode.PermissionMissing,
      'Insufficient privileges',
      {
        microsoft: { status: 403, code: 'Authorization_RequestDenied' },
      },
    );
    const patch = jest.fn(() => Promise.reject(denied));
    const links = [link('a', '1000'), link('b', '1001')];
    const { em, run, context, writer } = setUp(links, patch);
    await writer.write(em, context, users);
    await writer.write(em, context, users);
    expect(patch).toHaveBeenCalledTimes(1);
    expect(run.issues).toEqual([
      expect.objectContaining({
        code: 'BUSINESS_PHONE_PERMISSION_MISSING',
        message: expect.stringContaining('Authorization_RequestDenied') as unknown,
      }),
    ]);
    expect(links.map((l) => l.writtenBusinessPhone)).toEqual([null, null]);
  });

  it('writes nothing in a dry run', async () => {
    const patch = jest.fn();
    const { em, context, writer } = setUp([link('a', '1000')], patch, true);
    await writer.write(em, context, users);
    expect(patch).not.toHaveBeenCalled();
  });
});
