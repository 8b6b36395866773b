import { type EntityManager } from '@mikro-orm/postgresql';
import { aUser } from '../../testing/microsoft365-user.fixture';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { type GraphApi } from '../graph/graph-api.service';
import { type GraphBatchResult } from '../graph/graph-batch';
import { type PbxDirectoryPort } from '../ports/pbx-directory.port';
import { type SyncRunEntity } from '../runs/sync-run.entity';
import { BusinessPhoneWriter } from './business-phone.writer';
import { type UserLinkEntity } from './user-link.entity';
import { type UserSyncRunContext } from './user-sync-run.context';
import { type UserSyncSettingsEntity } from './user-sync-settings.entity';

const link = (objectId: string, extension: string, written: string | null = null) =>
  ({
    objectId,
    pbxUserId: `pbx-${objectId}`,
    extension,
    writtenBusinessPhone: written,
    userPrincipalName: `${objectId}@x`,
  }) as UserLinkEntity;

/** A batchPatch that answers each item with `answer(url)`: ok, or the exception of a failed item. */
function batchPatch(answer: (url: string) => Microsoft365Exception | null): jest.Mock {
  return jest.fn((_target: unknown, requests: { id: string; url: string }[]) =>
    Promise.resolve(
      new Map<string, GraphBatchResult>(
        requests.map((request) => {
          const error = answer(request.url);
          return [
            request.id,
            error
              ? { id: request.id, ok: false, status: error.microsoft?.status ?? 500, error }
              : { id: request.id, ok: true, status: 204, headers: {}, body: undefined },
          ];
        }),
      ),
    ),
  );
}

function setUp(
  links: UserLinkEntity[],
  patch: jest.Mock,
  dryRun = false,
  template = '+1 425 555 0100 x{extension}',
  directory: Partial<PbxDirectoryPort> = {},
) {
  const em = { find: jest.fn(() => Promise.resolve(links)), flush: jest.fn() } as unknown as EntityManager;
  const run = { pbxTenantId: 't1', dryRun, counts: {}, issues: [] } as unknown as SyncRunEntity;
  const context = {
    run,
    target: { pbxTenantId: 't1', cloud: 'global' },
    settings: { businessPhoneTemplate: template } as UserSyncSettingsEntity,
  } as unknown as UserSyncRunContext;
  const writer = new BusinessPhoneWriter(
    { batchPatch: patch } as unknown as GraphApi,
    directory as PbxDirectoryPort,
  );
  return { em, run, context, writer };
}

describe('BusinessPhoneWriter', () => {
  const users = [aUser({ id: 'a', businessPhones: [] }), aUser({ id: 'b', businessPhones: [] })];

  it('writes each empty business phone in one batch and remembers what it wrote', async () => {
    const patch = batchPatch(() => null);
    const links = [link('a', '1000'), link('b', '1001')];
    const { em, run, context, writer } = setUp(links, patch);
    await writer.write(em, context, users);
    expect(patch).toHaveBeenCalledTimes(1);
    expect(patch).toHaveBeenCalledWith(context.target, [
      { id: '0', url: '/users/a', body: { businessPhones: ['+1 425 555 0100 x1000'] } },
      { id: '1', url: '/users/b', body: { businessPhones: ['+1 425 555 0100 x1001'] } },
    ]);
    expect(links.map((l) => l.writtenBusinessPhone)).toEqual([
      '+1 425 555 0100 x1000',
      '+1 425 555 0100 x1001',
    ]);
    expect(run.counts).toEqual({ 'businessPhone.written': 2 });
  });

  it('sends 45 writes as batches of 20, 20 and 5', async () => {
    const patch = batchPatch(() => null);
    const many = Array.from({ length: 45 }, (_, i) => aUser({ id: `u${i}`, businessPhones: [] }));
    const links = many.map((user, i) => link(user.id, String(1000 + i)));
    const { em, run, context, writer } = setUp(links, patch);
    await writer.write(em, context, many);
    expect(patch.mock.calls.map((call: unknown[]) => (call[1] as unknown[]).length)).toEqual([20, 20, 5]);
    expect(run.counts).toEqual({ 'businessPhone.written': 45 });
  });

  it("reports a user Graph does not know with Microsoft's code and writes the others", async () => {
    const gone = new Microsoft365Exception(Microsoft365ErrorCode.GraphNotFound, 'Resource does not exist', {
      microsoft: { status: 404, code: 'Request_ResourceNotFound' },
    });
    const patch = batchPatch((url) => (url === '/users/a' ? gone : null));
    const links = [link('a', '1000'), link('b', '1001')];
    const { em, run, context, writer } = setUp(links, patch);
    await writer.write(em, context, users);
    expect(run.issues).toEqual([
      expect.objectContaining({
        objectId: 'a',
        code: 'BUSINESS_PHONE_NOT_WRITTEN',
        message: expect.stringContaining('Request_ResourceNotFound') as unknown,
      }),
    ]);
    expect(links.map((l) => l.writtenBusinessPhone)).toEqual([null, '+1 425 555 0100 x1001']);
    expect(run.counts).toEqual({ 'businessPhone.written': 1 });
  });

  it("stops at a missing permission with one issue carrying Microsoft's code", async () => {
    const denied = new Microsoft365Exception(
      Microsoft365ErrorCode.PermissionMissing,
      'Insufficient privileges',
      {
        microsoft: { status: 403, code: 'Authorization_RequestDenied' },
      },
    );
    const patch = batchPatch(() => denied);
    const many = Array.from({ length: 25 }, (_, i) => aUser({ id: `u${i}`, businessPhones: [] }));
    const links = many.map((user, i) => link(user.id, String(1000 + i)));
    const { em, run, context, writer } = setUp(links, patch);
    await writer.write(em, context, many);
    await writer.write(em, context, many);
    // The first batch says so; the second batch of this page and the next pages are not sent.
    expect(patch).toHaveBeenCalledTimes(1);
    expect(run.issues).toEqual([
      expect.objectContaining({
        code: 'BUSINESS_PHONE_PERMISSION_MISSING',
        message: expect.stringContaining('Authorization_RequestDenied') as unknown,
      }),
    ]);
    expect(links.every((l) => l.writtenBusinessPhone === null)).toBe(true);
  });

  it('reports each user of a batch that failed as a whole, and the sync goes on', async () => {
    const unavailable = new Microsoft365Exception(Microsoft365ErrorCode.Unavailable, 'Service unavailable', {
      microsoft: { status: 503, code: 'serviceNotAvailable' },
    });
    const patch = jest.fn(() => Promise.reject(unavailable));
    const links = [link('a', '1000'), link('b', '1001')];
    const { em, run, context, writer } = setUp(links, patch);
    await writer.write(em, context, users);
    expect(run.issues).toEqual([
      expect.objectContaining({ objectId: 'a', code: 'BUSINESS_PHONE_NOT_WRITTEN' }),
      expect.objectContaining({ objectId: 'b', code: 'BUSINESS_PHONE_NOT_WRITTEN' }),
    ]);
  });

  it('writes nothing in a dry run', async () => {
    const patch = jest.fn();
    const { em, context, writer } = setUp([link('a', '1000')], patch, true);
    await writer.write(em, context, users);
    expect(patch).not.toHaveBeenCalled();
  });
  it("fills {did} from the host's findDids (one call per page) and skips a user without a DID", async () => {
    const patch = batchPatch(() => null);
    const findDids = jest.fn(() => Promise.resolve({ 'pbx-a': '+1 425 555 0142', 'pbx-b': null }));
    const links = [link('a', '1000'), link('b', '1001')];
    const { em, run, context, writer } = setUp(links, patch, false, '{did} x{extension}', { findDids });
    await writer.write(em, context, users);
    expect(findDids).toHaveBeenCalledWith('t1', ['pbx-a', 'pbx-b']);
    expect(patch).toHaveBeenCalledWith(context.target, [
      { id: '0', url: '/users/a', body: { businessPhones: ['+1 425 555 0142 x1000'] } },
    ]);
    expect(run.counts).toEqual({ 'businessPhone.written': 1, 'businessPhone.noDid': 1 });
  });

  it('writes nothing for {did} when the host no longer provides DIDs', async () => {
    const patch = batchPatch(() => null);
    const { em, run, context, writer } = setUp([link('a', '1000')], patch, false, '{did}');
    await writer.write(em, context, users);
    expect(patch).not.toHaveBeenCalled();
    expect(run.counts).toEqual({ 'businessPhone.noDid': 1 });
  });
});
