import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { SecretBox } from '../keys/secret-box.service';
import { type RewrapCandidate, type SecretRewrapper } from '../keys/secret-rewrapper';
import { ServiceAccountEntity, serviceAccountCacheContext } from './service-account.entity';

/**
 * Re-wraps the Teams presence service accounts' MSAL token caches (`m365_teams_presence_service_accounts`) for
 * `MasterKeyRotationService`. The pending sign-in's PKCE verifier in the same row is left alone: it lives ten
 * minutes, like an SSO transaction, and a sign-in started before the switch completes while the previous key is
 * still configured (or the admin starts it again).
 */
@Injectable()
export class ServiceAccountCacheRewrapper implements SecretRewrapper {
  readonly kind = 'service-account-token-cache';

  constructor(
    private readonly em: EntityManager,
    private readonly secretBox: SecretBox,
  ) {}

  async candidates(currentVersion: number): Promise<RewrapCandidate[]> {
    const rows = await this.em.fork().find(
      ServiceAccountEntity,
      // A row holding only a pending sign-in has no cache (and no version) yet: nothing to re-wrap.
      { encryptedCache: { $ne: null }, masterKeyVersion: { $ne: null, $nin: [currentVersion] } },
      { fields: ['pbxTenantId', 'masterKeyVersion'], orderBy: { pbxTenantId: 'asc' } },
    );
    return rows.flatMap((row) =>
      row.masterKeyVersion === null ? [] : [{ id: row.pbxTenantId, masterKeyVersion: row.masterKeyVersion }],
    );
  }

  rewrapOne(pbxTenantId: string, currentVersion: number): Promise<boolean> {
    return this.em.fork().transactional(async (em) => {
      const row = await em.findOne(
        ServiceAccountEntity,
        {
          pbxTenantId,
          encryptedCache: { $ne: null },
          masterKeyVersion: { $ne: null, $nin: [currentVersion] },
        },
        {
          fields: ['pbxTenantId', 'encryptedCache', 'masterKeyVersion'],
          lockMode: LockMode.PESSIMISTIC_WRITE,
        },
      );
      // Gone (signed out), or re-wrapped (or refreshed and sealed anew) by another instance meanwhile.
      if (!row?.encryptedCache || row.masterKeyVersion === null) return false;
      const sealed = this.secretBox.rewrap(
        { ciphertext: row.encryptedCache, masterKeyVersion: row.masterKeyVersion },
        serviceAccountCacheContext(row.pbxTenantId),
      );
      row.encryptedCache = sealed.ciphertext;
      row.masterKeyVersion = sealed.masterKeyVersion;
      return true;
    });
  }
}
