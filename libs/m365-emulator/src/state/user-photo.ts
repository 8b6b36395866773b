/** Either uploaded bytes, or a seeded photo whose JPEG is rendered lazily from the seed index. */
export type UserPhoto =
  | {
      readonly kind: 'uploaded';
      readonly bytes: Buffer;
      readonly width: number;
      readonly height: number;
      readonly etag: string;
    }
  | {
      readonly kind: 'seeded';
      readonly seedIndex: number;
      readonly size: number;
      readonly etag: string;
      /** Rendered at least this large (bytes), as real photos are; absent: as small as it renders. */
      readonly paddedToBytes?: number;
    };
