import { EmulatorFixture } from '../testing/emulator.fixture';
import { generateFlatJpeg, readJpegSize } from '../seed/jpeg.generator';

type Row = Record<string, unknown>;

describe('Graph photos and JSON $batch', () => {
  let fixture: EmulatorFixture;
  let token: string;
  let withPhoto: string;
  let withoutPhoto: string;

  beforeAll(async () => {
    fixture = await EmulatorFixture.start({ seed: { users: 40, photos: 0.5 } });
    token = await fixture.token();
    const users = fixture.emulator.control.tenant(fixture.tenantId).users.all();
    withPhoto = users.find((user) => user.photo !== undefined)?.id ?? '';
    withoutPhoto = users.find((user) => user.photo === undefined)?.id ?? '';
  });

  afterAll(async () => {
    await fixture.close();
  });

  const graph = (
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ) => fixture.graph(path, { token, ...init });

  it('serves photo metadata with @odata.mediaEtag and JPEG bytes, honours If-None-Match', async () => {
    const meta = await graph(`/users/${withPhoto}/photo`);
    expect(meta.json).toMatchObject({
      '@odata.mediaContentType': 'image/jpeg',
      '@odata.mediaEtag': expect.stringMatching(/^"[0-9A-F]{8}"$/),
      width: expect.any(Number),
      height: expect.any(Number),
    });
    const bytes = await graph(`/users/${withPhoto}/photo/$value`);
    expect(bytes.status).toBe(200);
    expect(bytes.headers.get('content-type')).toBe('image/jpeg');
    expect(bytes.bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(readJpegSize(bytes.bytes)).toEqual({ width: meta.json['width'], height: meta.json['height'] });
    expect(bytes.headers.get('etag')).toBe(meta.json['@odata.mediaEtag']);
    const small = await graph(`/users/${withPhoto}/photos/48x48/$value`);
    expect(readJpegSize(small.bytes)).toEqual({ width: 48, height: 48 });
    const notModified = await graph(`/users/${withPhoto}/photo/$value`, {
      headers: { 'if-none-match': String(meta.json['@odata.mediaEtag']) },
    });
    expect(notModified.status).toBe(304);
    const sizes = await graph(`/users/${withPhoto}/photos`);
    expect((sizes.json['value'] as Row[]).map((size) => size['id'])).toContain('48x48');
  });

  it('answers 404 ImageNotFound without a photo, and a new etag after an upload', async () => {
    const missing = await graph(`/users/${withoutPhoto}/photo/$value`);
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error: { code: 'ImageNotFound' } });
    const uploaded = fixture.emulator.control.setPhoto({
      tenant: fixture.tenantId,
      user: withoutPhoto,
      bytes: generateFlatJpeg(120, 120, 90, 'upload'),
    });
    const meta = await graph(`/users/${withoutPhoto}/photo`);
    expect(meta.json).toMatchObject({
      '@odata.mediaEtag': `"${uploaded.etag}"`,
      width: 120,
      height: 120,
      id: '120x120',
    });
    expect((await graph(`/users/${withoutPhoto}/photos/240x240/$value`)).status).toBe(404);
    fixture.emulator.control.removePhoto({ tenant: fixture.tenantId, user: withoutPhoto });
    expect((await graph(`/users/${withoutPhoto}/photo`)).status).toBe(404);
  });

  it('runs $batch items through the same router: JSON, base64 photo, 404, dependsOn and 424', async () => {
    const result = await graph('/$batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        requests: [
          { id: '1', method: 'GET', url: `/users/${withPhoto}/photos/48x48/$value` },
          {
            id: '2',
            method: 'GET',
            url: '/users?$select=id,department&$filter=department ne null&$count=true',
            headers: { ConsistencyLevel: 'eventual' },
          },
          { id: '3', method: 'GET', url: `/users/${withoutPhoto}/photo/$value` },
          { id: '4', dependsOn: ['3'], method: 'GET', url: '/users?$top=1' },
          { id: '5', dependsOn: ['1'], method: 'GET', url: 'users?$top=2&$select=id' },
        ],
      }),
    });
    expect(result.status).toBe(200);
    const byId = new Map((result.json['responses'] as Row[]).map((item) => [item['id'], item]));
    expect(byId.get('1')).toMatchObject({ status: 200, headers: { 'Content-Type': 'image/jpeg' } });
    expect(Buffer.from(String(byId.get('1')?.['body']), 'base64').subarray(0, 2)).toEqual(
      Buffer.from([0xff, 0xd8]),
    );
    expect(byId.get('2')).toMatchObject({ status: 200, body: { '@odata.count': expect.any(Number) } });
    expect(byId.get('3')).toMatchObject({ status: 404, body: { error: { code: 'ImageNotFound' } } });
    expect(byId.get('4')).toMatchObject({ status: 424 });
    expect((byId.get('5')?.['body'] as Row)['value']).toHaveLength(2);
  });

  it('authenticates the batch itself: no or a bad bearer token is one 401 for the whole batch', async () => {
    const body = JSON.stringify({ requests: [{ id: '1', method: 'GET', url: '/users?$top=1' }] });
    const anonymous = await fixture.fetch('/v1.0/$batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
    expect(anonymous.json['responses']).toBeUndefined();
    const forged = await fixture.graph('/$batch', {
      token: 'not.a.token',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(forged.status).toBe(401);
  });

  it('runs PATCH items with a JSON body: 204 per written user, 403 without the phone permission, 404 for a user gone', async () => {
    const users = fixture.emulator.control.tenant(fixture.tenantId).users.all();
    const [first, second] = users.map((user) => user.id);
    const patchBatch = async (bearer: string) =>
      fixture.graph('/$batch', {
        token: bearer,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          requests: [
            {
              id: '1',
              method: 'PATCH',
              url: `/users/${first}`,
              headers: { 'Content-Type': 'application/json' },
              body: { businessPhones: ['+1 425 555 0100 x1001'] },
            },
            {
              id: '2',
              method: 'PATCH',
              url: `/users/${second}`,
              headers: { 'Content-Type': 'application/json' },
              body: { businessPhones: ['+1 425 555 0100 x1002'] },
            },
            {
              id: '3',
              method: 'PATCH',
              url: '/users/00000000-0000-0000-0000-00000000dead',
              headers: { 'Content-Type': 'application/json' },
              body: { businessPhones: ['1003'] },
            },
          ],
        }),
      });
    const statuses = (result: { json: Record<string, unknown> }): Record<string, unknown> =>
      Object.fromEntries(
        (result.json['responses'] as Row[]).map((item): [string, unknown] => [
          String(item['id']),
          item['status'],
        ]),
      );

    const denied = await patchBatch(token);
    expect(denied.status).toBe(200);
    expect(statuses(denied)).toEqual({ '1': 403, '2': 403, '3': 403 });
    expect((denied.json['responses'] as Row[])[0]).toMatchObject({
      body: { error: { code: 'Authorization_RequestDenied' } },
    });

    const app = {
      tenant: fixture.tenantId,
      clientId: fixture.clientId,
      permissions: ['User-Phone.ReadWrite.All'],
    };
    fixture.emulator.control.grantPermissions(app);
    try {
      const written = await patchBatch(await fixture.token());
      expect(statuses(written)).toEqual({ '1': 204, '2': 204, '3': 404 });
      const read = await graph(`/users/${second}?$select=businessPhones`);
      expect(read.json['businessPhones']).toEqual(['+1 425 555 0100 x1002']);
    } finally {
      fixture.emulator.control.revokePermissions(app);
    }
  });

  it('throttles a single item with its own Retry-After and rejects batches over 20 or with duplicate ids', async () => {
    fixture.emulator.control.throttleNext({ count: 1, route: '/photo', retryAfterSeconds: 3 });
    const result = await graph('/$batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        requests: [
          { id: 'a', method: 'GET', url: '/users?$top=1&$select=id' },
          { id: 'b', method: 'GET', url: `/users/${withPhoto}/photo` },
        ],
      }),
    });
    const byId = new Map((result.json['responses'] as Row[]).map((item) => [item['id'], item]));
    expect(byId.get('a')).toMatchObject({ status: 200 });
    expect(byId.get('b')).toMatchObject({
      status: 429,
      headers: { 'Retry-After': '3' },
      body: { error: { code: 'TooManyRequests' } },
    });

    const tooMany = Array.from({ length: 21 }, (_, index) => ({
      id: String(index),
      method: 'GET',
      url: '/users?$top=1',
    }));
    const rejected = await graph('/$batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requests: tooMany }),
    });
    expect(rejected.status).toBe(400);
    const duplicate = await graph('/$batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        requests: [
          { id: 'x', method: 'GET', url: '/users' },
          { id: 'X', method: 'GET', url: '/users' },
        ],
      }),
    });
    expect(duplicate.status).toBe(400);
  });
});
