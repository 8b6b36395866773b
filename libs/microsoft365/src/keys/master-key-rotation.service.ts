import { Injectable, Logger } from '@nestjs/common';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { ServiceAccountCacheRewrapper } from '../teams-presence/service-account-cache.rewrapper';
import { KeyPairSecretRewrapper } from './key-pair-secret.rewrapper';
import { SecretBox } from './secret-box.service';
import { type MasterKeySecretKind, type SecretRewrapper } from './secret-rewrapper';

export { type MasterKeySecretKind } from './secret-rewrapper';

/** Why a stored secret was left under an older master key version. */
export type MasterKeyUnreadableReason = 'key-not-configured' | 'wrong-key';

/**
 * A secret left under an older version: that version's key is not configured, or the key configured for it does
 * not decrypt it (a wrong key). `kind` tells which table; entries of earlier releases are the `key-pair` ones.
 */
export type MasterKeyUnreadableSecret =
  /** A tenant's private key: that tenant cannot get Microsoft 365 tokens until it is fixed. */
  | { kind: 'key-pair'; keyPairId: string; masterKeyVersion: number; reason: MasterKeyUnreadableReason }
  /**
   * A Teams presence service account's token cache: that tenant's Teams presence falls back to polling until it
   * is fixed, or until an admin signs the service account in again (which seals a new cache under the current key).
   */
  | {
      kind: 'service-account-token-cache';
      pbxTenantId: string;
      masterKeyVersion: number;
      reason: MasterKeyUnreadableReason;
    };

/** What one re-wrap pass did; safe to log (ids and versions only). */
export interface MasterKeyRewrapReport {
  /** The master key version every secret is now stored under. */
  currentVersion: number;
  /** Secrets re-encrypted by this call, every kind together (`rewrappedByKind` splits them). */
  rewrapped: number;
  /** Secrets re-encrypted by this call, per kind: private keys, service account token caches. */
  rewrappedByKind: Record<MasterKeySecretKind, number>;
  /** Secrets left under an older version, every kind; the previous key may be dropped only once this is empty. */
  unreadable: MasterKeyUnreadableSecret[];
}

/** What the log calls each kind, and what an unreadable one costs the tenant. */
const LOG_WORDING: Record<MasterKeySecretKind, { noun: string; consequence: string }> = {
  'key-pair': { noun: 'private key(s)', consequence: 'those tenants cannot get Microsoft 365 tokens' },
  'service-account-token-cache': {
    noun: 'Teams presence service account token cache(s)',
    consequence: 'those tenants poll Teams presence until an admin signs the service account in again',
  },
};

/**
 * Moves every long-lived secret to the current master key after the host introduced a new one (`masterKey` +
 * `masterKeyVersion`, the old key in `previousMasterKeys`): the tenants' private keys and the Teams presence
 * service accounts' token caches, one table at a time (one re-wrapper each).
 *
 * The host calls `rewrapSecrets()` explicitly at start-up, after the migrations, like the migrations themselves:
 * the library never rewrites data on its own. It is idempotent and safe with several PBX instances starting at
 * once: each row is re-wrapped in its own short transaction under a row lock, and the version condition is
 * checked again under that lock, so a row another instance has just re-wrapped is skipped, never re-wrapped
 * twice or overwritten with an older ciphertext. Once a pass reports nothing `unreadable`, the previous key can be
 * removed from the configuration.
 *
 * SSO transactions and a service account's pending sign-in (its PKCE verifier) are sealed too, but live for
 * minutes only: they are not re-wrapped; keep the previous key configured for a few minutes after the switch and
 * sign-ins started before it still complete.
 */
@Injectable()
export class MasterKeyRotationService {
  private readonly logger = new Logger(MasterKeyRotationService.name);
  private readonly rewrappers: SecretRewrapper[];

  constructor(
    private readonly secretBox: SecretBox,
    keyPairs: KeyPairSecretRewrapper,
    serviceAccountCaches: ServiceAccountCacheRewrapper,
  ) {
    // Private keys first: without them no tenant gets any token, whatever else is readable.
    this.rewrappers = [keyPairs, serviceAccountCaches];
  }

  async rewrapSecrets(): Promise<MasterKeyRewrapReport> {
    const currentVersion = this.secretBox.currentVersion;
    const report: MasterKeyRewrapReport = {
      currentVersion,
      rewrapped: 0,
      rewrappedByKind: { 'key-pair': 0, 'service-account-token-cache': 0 },
      unreadable: [],
    };
    for (const rewrapper of this.rewrappers) await this.rewrapTable(rewrapper, report);
    for (const rewrapper of this.rewrappers) this.logOutcome(rewrapper.kind, report);
    return report;
  }

  private async rewrapTable(rewrapper: SecretRewrapper, report: MasterKeyRewrapReport): Promise<void> {
    for (const candidate of await rewrapper.candidates(report.currentVersion)) {
      if (!this.secretBox.hasVersion(candidate.masterKeyVersion)) {
        report.unreadable.push(
          unreadable(rewrapper.kind, candidate.id, candidate.masterKeyVersion, 'key-not-configured'),
        );
        continue;
      }
      try {
        if (await rewrapper.rewrapOne(candidate.id, report.currentVersion)) {
          report.rewrapped += 1;
          report.rewrappedByKind[rewrapper.kind] += 1;
        }
      } catch (error) {
        // GCM authentication failed: the configured key of that version is not the one the row was sealed with.
        if (!(error instanceof Microsoft365Exception)) throw error;
        report.unreadable.push(
          unreadable(rewrapper.kind, candidate.id, candidate.masterKeyVersion, 'wrong-key'),
        );
      }
    }
  }

  private logOutcome(kind: MasterKeySecretKind, report: MasterKeyRewrapReport): void {
    const { noun, consequence } = LOG_WORDING[kind];
    if (report.rewrappedByKind[kind] > 0) {
      this.logger.log(
        `Re-wrapped ${report.rewrappedByKind[kind]} ${noun} under master key version ${report.currentVersion}`,
      );
    }
    const rows = report.unreadable.filter((row) => row.kind === kind);
    if (rows.length === 0) return;
    const versions = [...new Set(rows.map((row) => row.masterKeyVersion))].sort((a, b) => a - b);
    this.logger.error(
      `${rows.length} ${noun} stored under master key version(s) ${versions.join(', ')} cannot be decrypted with ` +
        `the configured keys: ${consequence}. Configure the old key(s) with their version in previousMasterKeys ` +
        'and restart.',
    );
  }
}

function unreadable(
  kind: MasterKeySecretKind,
  id: string,
  masterKeyVersion: number,
  reason: MasterKeyUnreadableReason,
): MasterKeyUnreadableSecret {
  return kind === 'key-pair'
    ? { kind, keyPairId: id, masterKeyVersion, reason }
    : { kind, pbxTenantId: id, masterKeyVersion, reason };
}
