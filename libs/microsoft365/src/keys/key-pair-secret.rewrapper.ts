import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { KeyPairEntity, keyPairSecretContext } from './key-pair.entity';
import { SecretBox } from './secret-box.service';
import { type RewrapCandidate, type SecretRewrapper } from './secret-rewrapper';

/** Re-wraps the tenants' private keys (`m365_key_pairs`) for `MasterKeyRotationService`. */
@Injectable()
export class KeyPairSecretRewrapper implements SecretRewrapper {
  readonly kind = 'key-pair';

  constructor(
    private readonly em: EntityManager,
    private readonly secretBox: SecretBox,
  ) {}

  candidates(currentVersion: number): Promise<RewrapCandidate[]> {
    return this.em
      .fork()
      .find(
        KeyPairEntity,
        { masterKeyVersion: { $ne: currentVersion } },
        { fields: ['id', 'masterKeyVersion'], orderBy: { id: 'asc' } },
      );
  }

  rewrapOne(id: string, currentVersion: number): Promise<boolean> {
    return this.em.fork().transactional(async (em) => {
      const row = await em.findOne(
        KeyPairEntity,
        { id, masterKeyVersion: { $ne: currentVersion } },
        {
          fields: ['id', 'pbxTenantId', 'encryptedPrivateKey', 'masterKeyVersion'],
          lockMode: LockMode.PESSIMISTIC_WRITE,
        },
      );
      // Gone, or re-wrapped by another instance while this one waited for the lock.
      if (!row) return false;
      const sealed = this.secretBox.rewrap(
        { ciphertext: row.encryptedPrivateKey, masterKeyVersion: row.masterKeyVersion },
        keyPairSecretContext(row),
      );
      row.encryptedPrivateKey = sealed.ciphertext;
      row.masterKeyVersion = sealed.masterKeyVersion;
      return true;
    });
  }
}
