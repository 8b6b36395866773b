import type { KeyObject } from 'node:crypto';

/** An uploaded certificate as Entra stores it in the app's keyCredentials (docs/graph-notes.md §1.7). */
export interface KeyCredential {
  readonly keyId: string;
  readonly displayName: string;
  /** Upper-case hex SHA-1 / SHA-256 over the certificate DER. */
  readonly thumbprintSha1Hex: string;
  readonly thumbprintSha256Hex: string;
  /** base64 SHA-1 thumbprint, as in the manifest. */
  readonly customKeyIdentifier: string;
  readonly startDateTime: Date;
  readonly endDateTime: Date;
  readonly publicKey: KeyObject;
  readonly certificatePem: string;
}
