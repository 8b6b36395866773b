import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { SYSTEM_SCOPE } from '../settings/tenant-settings.entity';
import { type Microsoft365AccountLinks } from '../sso/microsoft-account.resolver';
import { UserLinkEntity } from './user-link.entity';
import { LinkState } from './user-sync-plan';

/**
 * Gives "Sign in with Microsoft" the user sync's links: the object id is what identifies a Microsoft account,
 * whatever its UPN is today. System admins are not synced, so the system scope has no links.
 */
@Injectable()
export class UserLinkAccountLinks implements Microsoft365AccountLinks {
  constructor(private readonly em: EntityManager) {}

  async findLinkedUserId(scope: string, _directoryId: string, objectId: string): Promise<string | null> {
    if (scope === SYSTEM_SCOPE) return null;
    // Every sign-in's callback asks this: the one column by the (tenant, object id) unique key, as plain SQL
    // (no entity manager, no query builder: their CPU was a good part of this read).
    const [link] = await this.em
      .getConnection()
      .execute<{ pbx_user_id: string | null }[]>(
        'select pbx_user_id from m365_user_links where pbx_tenant_id = ? and object_id = ? and state <> ?',
        [scope, objectId, LinkState.Unbound],
      );
    return link?.pbx_user_id ?? null;
  }

  async findLinkedObjectId(scope: string, pbxUserId: string): Promise<string | null> {
    if (scope === SYSTEM_SCOPE) return null;
    const link = await this.em.fork().findOne(UserLinkEntity, { pbxTenantId: scope, pbxUserId });
    return link?.objectId ?? null;
  }
}
