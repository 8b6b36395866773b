import { type PhotoContent } from './microsoft365-directory.reader';

/**
 * Photo bytes handed to the host in one `setPhotos` call at most (a single larger photo goes alone). One call per
 * page was a page of real photos at once (1,000 × tens of KB) in whatever form the host sends them (the reference
 * host then: base64 in one JSON parameter, copied again by the driver). With 40 KB photos the host process peaked at
 * 695 MB in the 10,000-user photo bench; 500 MB with the writes cut at this size, 394 MB once photos were also decoded
 * per `$batch` and bound as binary by the reference host.
 */
export const PHOTO_BYTES_PER_WRITE = 4 * 1024 * 1024;

/** `updates` in order, cut where the next photo would take a chunk past `maxBytes` of photo data. */
export function byPhotoBytes<T extends { photo: PhotoContent }>(
  updates: readonly T[],
  maxBytes: number,
): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const update of updates) {
    const size = update.photo?.data.length ?? 0;
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(update);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
