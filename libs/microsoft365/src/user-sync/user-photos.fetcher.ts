import { Injectable, Logger } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { SyncRunsService } from '../runs/sync-runs.service';
import { Microsoft365DirectoryReader } from './microsoft365-directory.reader';
import { type PageLink } from './page-links';
import { type PagePlan, type PhotoPlan } from './user-sync-plan';
import { NO_PHOTO, type PhotoUpdate } from './user-photo.applier';
import { type UserSyncRunContext } from './user-sync-run.context';

/**
 * The photos one page's plan asks for, read from Graph while the page's users, links and log entries are written
 * (the page's transaction writes the photos last, once they are here). A photo the PBX keeps is not even looked at:
 * downloaded only when the ETag changed (delta does not report photo changes), from the cheap metadata call for
 * users we know, directly for users being created. A missing photo permission turns photos off for the run with one
 * report line, rather than failing the sync.
 */
@Injectable()
export class UserPhotosFetcher {
  private readonly logger = new Logger(UserPhotosFetcher.name);

  constructor(private readonly reader: Microsoft365DirectoryReader) {}

  async fetch(
    context: UserSyncRunContext,
    plan: PagePlan,
    links: ReadonlyMap<string, PageLink>,
  ): Promise<Omit<PhotoUpdate, 'pbxUserId'>[]> {
    const known = (objectId: string) => links.get(objectId)?.photoETag ?? null;
    // A user created again (deleted in the PBX) gets its photo even when the ETag did not change since.
    const fresh = (p: PhotoPlan) => p.reason === 'created' || known(p.objectId) === null;
    const check = plan.photos.filter((p) => !fresh(p)).map((p) => p.objectId);
    const download = plan.photos.filter(fresh).map((p) => p.objectId);
    const updates: Omit<PhotoUpdate, 'pbxUserId'>[] = [];
    if (check.length + download.length === 0) return updates;
    try {
      const eTags = await this.reader.photoETags(context.target, check);
      for (const [id, eTag] of eTags) {
        if (eTag === known(id) || (eTag === null && known(id) === NO_PHOTO)) continue;
        if (eTag === null) updates.push({ objectId: id, photo: null });
        else download.push(id);
      }
      const photos = await this.reader.photos(context.target, download);
      for (const [id, photo] of photos) {
        updates.push({ objectId: id, photo });
      }
    } catch (error) {
      if (!(error instanceof Microsoft365Exception) || error.code !== Microsoft365ErrorCode.PermissionMissing)
        throw error;
      context.photos = false;
      this.logger.warn(
        `PBX tenant ${context.run.pbxTenantId}: photos skipped, permission missing (${error.microsoft?.code ?? '-'})`,
      );
      SyncRunsService.addIssue(context.run, {
        objectId: '-',
        userPrincipalName: null,
        severity: 'error',
        code: 'PHOTOS_PERMISSION_MISSING',
        message: 'Photos were not copied: the app may not read profile photos',
        action:
          'Grant the application permission ProfilePhoto.Read.All (or User.Read.All) with admin consent in Entra.',
      });
    }
    return updates;
  }
}
