import { type GraphBatchResult } from '../graph/graph-batch';
import { type GraphApi, type GraphTarget } from '../graph/graph-api.service';
import { Microsoft365DirectoryReader } from './microsoft365-directory.reader';
import { Microsoft365Cloud } from '../settings/microsoft365-cloud';

const target: GraphTarget = { pbxTenantId: 'pbx-1', cloud: Microsoft365Cloud.Global };

/** A Graph that answers `$batch` from a table of URL → result, and records what was asked. */
type Answer = Omit<Extract<GraphBatchResult, { ok: true }>, 'id'>;

function fakeGraph(answers: Record<string, Answer>) {
  const asked: string[][] = [];
  const graph = {
    batchGet: jest.fn(
      (
        _target: GraphTarget,
        requests: { id: string; url: string }[],
        keep: (result: GraphBatchResult) => GraphBatchResult = (result) => result,
      ) => {
        asked.push(requests.map((r) => r.url));
        const results = new Map<string, GraphBatchResult>();
        for (const request of requests) {
          const answer = answers[request.url];
          if (!answer) throw new Error(`unexpected ${request.url}`);
          results.set(request.id, keep({ ...answer, id: request.id }));
        }
        return Promise.resolve(results);
      },
    ),
  };
  return { reader: new Microsoft365DirectoryReader(graph as unknown as GraphApi), asked };
}

const jpeg = Buffer.from('photo').toString('base64');

describe('Microsoft365DirectoryReader.photos', () => {
  it('keeps the ETag header of the $value answer and asks nothing more', async () => {
    const { reader, asked } = fakeGraph({
      '/users/a/photo/$value': {
        ok: true,
        status: 200,
        headers: { 'content-type': 'image/jpeg', etag: '"v1"' },
        body: jpeg,
      },
    });
    const photos = await reader.photos(target, ['a']);
    expect(photos.get('a')).toMatchObject({ eTag: '"v1"', contentType: 'image/jpeg' });
    expect(asked).toEqual([['/users/a/photo/$value']]);
  });

  it("takes the metadata's @odata.mediaEtag when the $value answer has no ETag header", async () => {
    const { reader, asked } = fakeGraph({
      '/users/a/photo/$value': {
        ok: true,
        status: 200,
        headers: { 'content-type': 'image/png' },
        body: jpeg,
      },
      '/users/b/photo/$value': { ok: true, status: 200, headers: { etag: '"b1"' }, body: jpeg },
      '/users/a/photo': { ok: true, status: 200, headers: {}, body: { '@odata.mediaEtag': '"a7"' } },
    });
    const photos = await reader.photos(target, ['a', 'b']);
    expect(photos.get('a')).toMatchObject({ eTag: '"a7"', contentType: 'image/png' });
    expect(photos.get('a')?.data.toString()).toBe('photo');
    expect(photos.get('b')).toMatchObject({ eTag: '"b1"' });
    // Only the photo without an ETag costs a metadata request.
    expect(asked).toEqual([['/users/a/photo/$value', '/users/b/photo/$value'], ['/users/a/photo']]);
  });

  it('leaves the ETag empty when neither answer has one', async () => {
    const { reader } = fakeGraph({
      '/users/a/photo/$value': { ok: true, status: 200, headers: {}, body: jpeg },
      '/users/a/photo': { ok: true, status: 200, headers: {}, body: {} },
    });
    expect((await reader.photos(target, ['a'])).get('a')).toMatchObject({ eTag: null });
  });
});

/** A Graph that answers `pages` from a table of URL → pages, and records what was asked. */
function pagingGraph(answers: Record<string, Record<string, unknown>[]>) {
  const asked: string[] = [];
  const graph = {
    // eslint-disable-next-line @typescript-eslint/require-await
    async *pages(_target: GraphTarget, path: string) {
      asked.push(path);
      const pages = answers[path];
      if (!pages) throw new Error(`unexpected ${path}`);
      yield* pages;
    },
  };
  return { reader: new Microsoft365DirectoryReader(graph as unknown as GraphApi), asked };
}

describe('Microsoft365DirectoryReader group scope', () => {
  it('lists users and nested groups of each root in one listing, leaving other member types out', async () => {
    const { reader, asked } = pagingGraph({
      '/groups/ROOT/transitiveMembers?$select=id&$top=999': [
        {
          value: [
            { '@odata.type': '#microsoft.graph.user', id: 'u1' },
            { '@odata.type': '#microsoft.graph.group', id: 'NESTED' },
            { '@odata.type': '#microsoft.graph.device', id: 'd1' },
          ],
        },
        { value: [{ '@odata.type': '#microsoft.graph.user', id: 'u2' }] },
      ],
    });
    const closure = await reader.groupClosure(target, ['ROOT']);
    expect([...closure.members]).toEqual(['u1', 'u2']);
    expect(closure.groups).toEqual(['root', 'nested']);
    expect(asked).toEqual(['/groups/ROOT/transitiveMembers?$select=id&$top=999']);
  });

  it('merges the groups of a delta round and returns its deltaLink', async () => {
    const { reader } = pagingGraph({
      'https://graph/groups/delta?$deltatoken=a': [
        {
          value: [
            { id: 'G1', 'members@delta': [{ id: 'u1' }] },
            { id: 'g2', displayName: 'renamed' },
          ],
          '@odata.nextLink': 'next',
        },
        {
          value: [
            { id: 'g1', 'members@delta': [{ id: 'u2', '@removed': { reason: 'deleted' } }] },
            { id: 'g3', '@removed': { reason: 'changed' } },
          ],
          '@odata.deltaLink': 'https://graph/groups/delta?$deltatoken=b',
        },
      ],
    });
    expect(await reader.groupChangesSince(target, 'https://graph/groups/delta?$deltatoken=a')).toEqual({
      changes: [
        { id: 'g1', removed: false, memberChanges: 2 },
        { id: 'g2', removed: false, memberChanges: 0 },
        { id: 'g3', removed: true, memberChanges: 0 },
      ],
      deltaLink: 'https://graph/groups/delta?$deltatoken=b',
    });
  });
});
