import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { KeyPairEntity, keyPairSecretContext } from './key-pair.entity';
import { SecretBox } from './secret-box.service';

/** What one re-wrap pass did; safe to log (ids and versions only). */
export interface MasterKeyRewrapReport {
  /** The master key version every secret is now stored under. */
  currentVersion: number;
  /** Private keys re-encrypted by this call. */
  rewrapped: number;
  /**
   * Private keys left under an older version: that version's key is not configured, or the key configured for
   * it does not decrypt them (a wrong key). Those tenants cannot get Microsoft 365 tokens until it is fixed.
   */
  unreadable: { keyPairId: string; masterKeyVersion: number; reason: 'key-not-configured' | 'wrong-key' }[];
}

/**
 * Moves every stored private key to the current master key after the host introduced a new one
 * (`masterKey` + `masterKeyVersion`, the old key in `previousMasterKeys`).
 *
 * The host calls `rewrapSecrets()` explicitly at start-up, after the migrations, like the migrations themselves:
 * the library never rewrites data on its own. It is idempotent and safe with several PBX instances starting at
 * once: each row is re-wrapped in its own short transaction under a row lock, and the version condition is
 * checked again under that lock, so a row another instance has just re-wrapped is skipped, never re-wrapped
 * twice or overwritten with an older ciphertext. Once a pass reports nothing `unreadable`, the previous key can be
 * removed from the configuration.
 *
 * SSO transactions are sealed too, but live for minutes only: they are not re-wrapped; keep the previous key
 * configured for a few minutes after the switch and sign-ins started before it still complete.
 */
@Injectable()
export class MasterKeyRotationService {
  private readonly logger = new Logger(MasterKeyRotationService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly secretBox: SecretBox,
  ) {}

  async rewrapSecrets(): Promise<MasterKeyRewrapReport> {
    const currentVersion = this.secretBox.currentVersion;
    const candidates = await this.em
      .fork()
      .find(
        KeyPairEntity,
        { masterKeyVersion: { $ne: currentVersion } },
        { fields: ['id', 'masterKeyVersion'], orderBy: { id: 'asc' } },
      );
    const report: MasterKeyRewrapReport = { currentVersion, rewrapped: 0, unreadable: [] };
    for (const candidate of candidates) {
      if (!this.secretBox.hasVersion(candidate.masterKeyVersion)) {
        report.unreadable.push({
          keyPairId: candidate.id,
          masterKeyVersion: candidate.masterKeyVersion,
          reason: 'key-not-configured',
        });
        continue;
      }
      try {
        if (await this.rewrapOne(candidate.id, currentVersion)) report.rewrapped += 1;
      } catch (error) {
        // GCM authentication failed: the configured key of that version is not the one the row was sealed with.
        if (!(error instanceof Microsoft365Exception)) throw error;
        report.unreadable.push({
          keyPairId: candidate.id,
          masterKeyVersion: candidate.masterKeyVersion,
          reason: 'wrong-key',
        });
      }
    }
    if (report.rewrapped > 0) {
      this.logger.log(
        `Re-wrapped ${report.rewrapped} private key(s) under master key version ${currentVersion}`,
      );
    }
    if (report.unreadable.length > 0) {
      const versions = [...new Set(report.unreadable.map((row) => row.masterKeyVersion))].sort(
        (a, b) => a - b,
      );
      this.logger.error(
        `${report.unreadable.length} private key(s) stored under master key version(s) ${versions.join(', ')} ` +
          'cannot be decrypted with the configured keys: those tenants cannot get Microsoft 365 tokens. Configure ' +
          'the old key(s) with their version in previousMasterKeys and restart.',
      );
    }
    return report;
  }

  /** True when this call re-wrapped the row; false when another instance had done it meanwhile. */
  private rewrapOne(id: string, currentVersion: number): Promise<boolean> {
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
