import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { PBX_DIRECTORY, type PbxDirectoryPort } from '../ports/pbx-directory.port';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { Microsoft365DirectoryReader } from './microsoft365-directory.reader';
import { LinkOrigin, UserLinkEntity } from './user-link.entity';
import { LinkState } from './user-sync-plan';

/** Admins binding and unbinding PBX users and Microsoft 365 accounts by hand, as PortSIP allows. */
@Injectable()
export class UserLinksService {
  constructor(
    private readonly em: EntityManager,
    private readonly connection: TenantSettingsService,
    private readonly reader: Microsoft365DirectoryReader,
    @Inject(PBX_DIRECTORY) private readonly directory: PbxDirectoryPort,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async list(pbxTenantId: string, page: { limit: number; offset: number }): Promise<UserLinkEntity[]> {
    return this.em
      .fork()
      .find(
        UserLinkEntity,
        { pbxTenantId },
        { orderBy: { createdAt: 'asc', id: 'asc' }, limit: page.limit, offset: page.offset },
      );
  }

  /** Binds a PBX user to a Microsoft 365 account (UPN or object id); the next sync takes the profile over. */
  async bind(pbxTenantId: string, pbxUserId: string, microsoft365User: string): Promise<UserLinkEntity> {
    const connection = await this.connection.requireConfigured(pbxTenantId);
    const user = await this.reader.findUser({ pbxTenantId, cloud: connection.cloud }, microsoft365User);
    if (!user) throw notFound(`Microsoft 365 has no user ${microsoft365User}`, 'microsoft365User');
    const [pbxUser] = await this.directory.findUsers(pbxTenantId, { ids: [pbxUserId] });
    if (!pbxUser) throw notFound(`The PBX has no user ${pbxUserId} in this tenant`, 'pbxUserId');
    return this.em.fork().transactional(async (em) => {
      const byUser = await em.findOne(UserLinkEntity, { pbxTenantId, pbxUserId });
      if (byUser && byUser.objectId !== user.id) {
        throw conflict(`PBX user ${pbxUserId} is already bound to Microsoft 365 account ${byUser.objectId}`);
      }
      const existing = await em.findOne(UserLinkEntity, { pbxTenantId, objectId: user.id });
      if (existing?.pbxUserId && existing.pbxUserId !== pbxUserId && existing.state !== LinkState.Deleted) {
        throw conflict(
          `${user.userPrincipalName} is already bound to PBX user ${existing.pbxUserId}; unbind it first`,
        );
      }
      // The PBX user's number now belongs to this link; a leaver's reservation of it lapses.
      await em.nativeUpdate(
        UserLinkEntity,
        { pbxTenantId, extension: pbxUser.extension, objectId: { $ne: user.id } },
        { extension: null },
      );
      const now = this.clock.now();
      const link =
        existing ??
        em.create(UserLinkEntity, {
          pbxTenantId,
          objectId: user.id,
          state: LinkState.Active,
          origin: LinkOrigin.Bound,
          createdAt: now,
        });
      Object.assign(link, {
        pbxUserId,
        extension: pbxUser.extension,
        state: LinkState.Active,
        origin: LinkOrigin.Bound,
        userPrincipalName: user.userPrincipalName.toLowerCase(),
        photoETag: null,
        updatedAt: now,
      });
      await em.flush();
      return link;
    });
  }

  /** The PBX user stays as it is and becomes a local user; the account is skipped until bound again. */
  async unbind(pbxTenantId: string, objectId: string): Promise<void> {
    const em = this.em.fork();
    const link = await em.findOne(UserLinkEntity, { pbxTenantId, objectId });
    if (!link) throw notFound(`No link for Microsoft 365 account ${objectId}`, 'objectId');
    Object.assign(link, {
      state: LinkState.Unbound,
      pbxUserId: null,
      extension: null,
      updatedAt: this.clock.now(),
    });
    await em.flush();
  }
}

function notFound(message: string, field: string): Microsoft365Exception {
  return new Microsoft365Exception(Microsoft365ErrorCode.NotFound, message, { details: { field } });
}

function conflict(message: string): Microsoft365Exception {
  return new Microsoft365Exception(Microsoft365ErrorCode.Conflict, message);
}
