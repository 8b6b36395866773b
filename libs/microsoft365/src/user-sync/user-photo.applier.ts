import { type EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { PBX_DIRECTORY, type PbxDirectoryPort } from '../ports/pbx-directory.port';
import { type PhotoContent } from './microsoft365-directory.reader';
import { PHOTO_BYTES_PER_WRITE, byPhotoBytes } from './photo-write-chunks';

/** Stored as the photo ETag when Microsoft 365 has no photo, so "no photo" is not downloaded again. */
export const NO_PHOTO = '';

export interface PhotoUpdate {
  objectId: string;
  pbxUserId: string | null;
  photo: PhotoContent;
}

/**
 * Writes a page's photos through the host's port, in the caller's transaction, with the ETags that let the next
 * run skip unchanged photos.
 */
@Injectable()
export class UserPhotoApplier {
  constructor(@Inject(PBX_DIRECTORY) private readonly directory: PbxDirectoryPort) {}

  /** Copies photos to the PBX and remembers their ETags, so unchanged photos are never downloaded again. */
  async apply(em: EntityManager, pbxTenantId: string, updates: readonly PhotoUpdate[]): Promise<number> {
    const ready = updates.filter((u): u is PhotoUpdate & { pbxUserId: string } => u.pbxUserId !== null);
    if (ready.length === 0) return 0;
    for (const chunk of byPhotoBytes(ready, PHOTO_BYTES_PER_WRITE)) {
      await this.directory.setPhotos(
        pbxTenantId,
        chunk.map((u) => ({
          userId: u.pbxUserId,
          photo: u.photo ? { contentType: u.photo.contentType, data: u.photo.data } : null,
        })),
      );
    }
    // One statement for the page, not one per photo.
    const rows = ready.map((update) => ({
      object_id: update.objectId,
      // The reader fills a missing ETag header from the metadata's mediaEtag; 'unknown' only when Graph gave
      // neither, and the next pass then downloads the photo once more.
      etag: update.photo ? (update.photo.eTag ?? 'unknown') : NO_PHOTO,
    }));
    await em.execute(
      `update m365_user_links l set photo_etag = v.etag
         from json_to_recordset(?::json) as v(object_id text, etag text)
        where l.pbx_tenant_id = ? and l.object_id = v.object_id`,
      [JSON.stringify(rows), pbxTenantId],
    );
    return ready.length;
  }
}
