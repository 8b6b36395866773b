import { byPhotoBytes } from './photo-write-chunks';

const photo = (bytes: number) => ({ contentType: 'image/jpeg', data: Buffer.alloc(bytes), eTag: null });

describe(byPhotoBytes.name, () => {
  it.each([
    ['nothing', [], 10, []],
    ['all in one chunk when they fit', [4, 6], 10, [[4, 6]]],
    ['a cut before the photo that would pass the limit', [4, 4, 4], 10, [[4, 4], [4]]],
    ['a photo larger than the limit alone', [4, 30, 4], 10, [[4], [30], [4]]],
    ['removed photos (no bytes) in the current chunk', [10, null, null, 1], 10, [[10, null, null], [1]]],
  ])('%s', (_case, sizes, maxBytes, expected) => {
    const updates = sizes.map((size, index) => ({
      objectId: `u${index}`,
      photo: size === null ? null : photo(size),
    }));
    const chunks = byPhotoBytes(updates, maxBytes);
    expect(chunks.map((chunk) => chunk.map((u) => u.photo?.data.length ?? null))).toEqual(expected);
    // Every update once, in order.
    expect(chunks.flat()).toEqual(updates);
  });
});
