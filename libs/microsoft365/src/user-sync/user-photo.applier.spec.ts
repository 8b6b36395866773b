import { type EntityManager } from '@mikro-orm/postgresql';
import { type PbxDirectoryPort, type PbxUserPhoto } from '../ports/pbx-directory.port';
import { PHOTO_BYTES_PER_WRITE } from './photo-write-chunks';
import { NO_PHOTO, UserPhotoApplier } from './user-photo.applier';

describe('UserPhotoApplier', () => {
  function applier() {
    const calls: PbxUserPhoto[][] = [];
    const directory = {
      setPhotos: (_tenant: string, photos: PbxUserPhoto[]) => {
        calls.push(photos);
        return Promise.resolve();
      },
    } as unknown as PbxDirectoryPort;
    const statements: unknown[][] = [];
    const em = {
      execute: (_sql: string, params: unknown[]) => {
        statements.push(params);
        return Promise.resolve([]);
      },
    } as unknown as EntityManager;
    return { subject: new UserPhotoApplier(directory), calls, statements, em };
  }
  const photo = (bytes: number, eTag: string) => ({
    contentType: 'image/jpeg',
    data: Buffer.alloc(bytes),
    eTag,
  });

  it('hands the host a page of photos a few megabytes at a time, then records every ETag in one statement', async () => {
    const { subject, calls, statements, em } = applier();
    const half = PHOTO_BYTES_PER_WRITE / 2;
    const count = await subject.apply(em, 't1', [
      { objectId: 'a', pbxUserId: 'u-a', photo: photo(half, 'ea') },
      { objectId: 'b', pbxUserId: 'u-b', photo: photo(half, 'eb') },
      { objectId: 'c', pbxUserId: 'u-c', photo: photo(half, 'ec') },
      { objectId: 'd', pbxUserId: null, photo: photo(half, 'ed') },
      { objectId: 'e', pbxUserId: 'u-e', photo: null },
    ]);
    expect(count).toBe(4);
    // a and b fill a write; c and the removed photo of e go in the next; d has no PBX user.
    expect(calls.map((photos) => photos.map((p) => p.userId))).toEqual([
      ['u-a', 'u-b'],
      ['u-c', 'u-e'],
    ]);
    expect(calls[0]?.[0]?.photo?.data.length).toBe(half);
    expect(statements).toHaveLength(1);
    expect(JSON.parse(String(statements[0]?.[0]))).toEqual([
      { object_id: 'a', etag: 'ea' },
      { object_id: 'b', etag: 'eb' },
      { object_id: 'c', etag: 'ec' },
      { object_id: 'e', etag: NO_PHOTO },
    ]);
  });
});
