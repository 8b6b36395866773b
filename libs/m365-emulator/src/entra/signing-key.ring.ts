import type { KeyObject } from 'node:crypto';
import { createRsaCertificate } from '../tls/rsa-certificate.factory';

export interface SigningKey {
  /** Entra uses the certificate's base64url SHA-1 thumbprint as both kid and x5t. */
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly certificateDer: Buffer;
  readonly createdAt: number;
}

export interface PublishedSigningKey {
  readonly kid: string;
  readonly active: boolean;
  readonly createdAt: string;
}

/**
 * A tenant's token-signing keys. Rotation works like Entra's: a new key is published, becomes the signing key,
 * and the old one stays in the JWKS until it is removed, so relying parties that cache JWKS keep working.
 */
export class SigningKeyRing {
  private readonly keys: SigningKey[] = [];
  private activeKid = '';

  static async create(now: number): Promise<SigningKeyRing> {
    const ring = new SigningKeyRing();
    await ring.addKey(now, true);
    return ring;
  }

  async addKey(now: number, activate: boolean): Promise<SigningKey> {
    const certificate = await createRsaCertificate({ subject: 'CN=accounts.accesscontrol.windows.net' });
    const key: SigningKey = {
      kid: Buffer.from(certificate.thumbprintSha1Hex, 'hex').toString('base64url'),
      privateKey: certificate.privateKey,
      publicKey: certificate.publicKey,
      certificateDer: certificate.certificateDer,
      createdAt: now,
    };
    this.keys.push(key);
    if (activate || this.activeKid === '') this.activeKid = key.kid;
    return key;
  }

  activate(kid: string): void {
    if (!this.find(kid)) throw new Error(`Signing key ${kid} is not published`);
    this.activeKid = kid;
  }

  remove(kid: string): void {
    if (kid === this.activeKid)
      throw new Error('The active signing key cannot be removed; activate another key first');
    const index = this.keys.findIndex((key) => key.kid === kid);
    if (index < 0) throw new Error(`Signing key ${kid} is not published`);
    this.keys.splice(index, 1);
  }

  active(): SigningKey {
    const key = this.find(this.activeKid);
    if (!key) throw new Error('The signing key ring has no active key');
    return key;
  }

  find(kid: string): SigningKey | undefined {
    return this.keys.find((key) => key.kid === kid);
  }

  published(): readonly SigningKey[] {
    return this.keys;
  }

  describe(): PublishedSigningKey[] {
    return this.keys.map((key) => ({
      kid: key.kid,
      active: key.kid === this.activeKid,
      createdAt: new Date(key.createdAt).toISOString(),
    }));
  }
}
