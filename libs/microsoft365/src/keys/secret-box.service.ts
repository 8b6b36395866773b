import { Inject, Injectable } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export interface SealedSecret {
  /** 12-byte IV, 16-byte GCM tag, then the ciphertext. */
  ciphertext: Buffer;
  masterKeyVersion: number;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts secrets at rest with AES-256-GCM under the master key the host gives the module. The version of the
 * master key is stored beside each ciphertext, so a new master key can be introduced and old secrets re-wrapped.
 * `context` (e.g. tenant and key id) is bound as additional authenticated data: a ciphertext copied to another
 * tenant's row does not decrypt.
 */
@Injectable()
export class SecretBox {
  private readonly keys = new Map<number, Buffer>();
  readonly currentVersion: number;

  /**
   * Runs when the module boots, so a missing or malformed master key stops the PBX at start-up with a message
   * naming the option, rather than at the first secret.
   */
  constructor(@Inject(MICROSOFT365_OPTIONS) options: Microsoft365ModuleOptions) {
    this.currentVersion = SecretBox.version(options.masterKeyVersion ?? 1, 'masterKeyVersion');
    const current = options.masterKey ?? SecretBox.developmentKey(options);
    this.keys.set(this.currentVersion, SecretBox.decodeKey(current, 'masterKey'));
    for (const [rawVersion, key] of Object.entries(options.previousMasterKeys ?? {})) {
      const name = `previousMasterKeys.${rawVersion}`;
      const version = SecretBox.version(Number(rawVersion), `the version of ${name}`);
      if (version === this.currentVersion) {
        throw new Error(
          `Microsoft365Module: ${name} has the version of the current masterKey; each master key needs its own version`,
        );
      }
      this.keys.set(version, SecretBox.decodeKey(key, name));
    }
  }

  /** Whether secrets sealed under `version` can be opened with the configured keys. */
  hasVersion(version: number): boolean {
    return this.keys.has(version);
  }

  /**
   * HMAC-SHA256 of `value` under a key derived (HKDF) from the current master key for `purpose`: lets the module
   * recognise values it issued itself (a signed cookie) without storing them. A new master key invalidates them.
   */
  mac(purpose: string, value: string): Buffer {
    const key = Buffer.from(hkdfSync('sha256', this.key(this.currentVersion), Buffer.alloc(0), purpose, 32));
    return createHmac('sha256', key).update(value, 'utf8').digest();
  }

  seal(plaintext: Buffer, context: string): SealedSecret {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key(this.currentVersion), iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const encrypted = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      ciphertext: Buffer.concat([iv, cipher.getAuthTag(), encrypted]),
      masterKeyVersion: this.currentVersion,
    };
  }

  open(sealed: SealedSecret, context: string): Buffer {
    const iv = sealed.ciphertext.subarray(0, IV_BYTES);
    const tag = sealed.ciphertext.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key(sealed.masterKeyVersion), iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([
        decipher.update(sealed.ciphertext.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]);
    } catch (error) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.Internal,
        'A stored secret could not be decrypted',
        {
          action: 'Check that the master key given to the PBX is the one the secret was stored with.',
          cause: error,
        },
      );
    }
  }

  /** Re-encrypts a secret under the current master key (after a master key rotation). */
  rewrap(sealed: SealedSecret, context: string): SealedSecret {
    return sealed.masterKeyVersion === this.currentVersion
      ? sealed
      : this.seal(this.open(sealed, context), context);
  }

  private key(version: number): Buffer {
    const key = this.keys.get(version);
    if (!key) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.Internal,
        `Master key version ${version} is not configured`,
        { action: 'Pass the old master key in previousMasterKeys until every secret has been re-wrapped.' },
      );
    }
    return key;
  }

  private static version(value: number, name: string): number {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(`Microsoft365Module: ${name} must be a positive integer (got ${String(value)})`);
    }
    return value;
  }

  private static decodeKey(value: string, name: string): Buffer {
    const key = Buffer.from(value, 'base64');
    if (key.length !== 32) {
      throw new Error(
        `Microsoft365Module: ${name} must be 32 bytes, base64 encoded (got ${key.length} bytes)`,
      );
    }
    return key;
  }

  private static developmentKey(options: Microsoft365ModuleOptions): string {
    // Only tests may run on this fixed, public key; a developer's host passes a generated key like production.
    if (options.environment !== 'test') {
      throw new Error(
        'Microsoft365Module: masterKey is required outside tests. Generate one with ' +
          '`openssl rand -base64 32` and pass it from a secret store or environment variable.',
      );
    }
    // Deterministic so that a test database stays readable across restarts; never used outside tests.
    return createHash('sha256').update('microsoft365-development-master-key').digest('base64');
  }
}
