import type { KeyCredential } from './key-credential';

/** App registration plus its service principal in the same tenant (single-tenant apps only). */
export class AppRegistration {
  readonly redirectUris = new Set<string>();
  readonly keyCredentials = new Map<string, KeyCredential>();
  /** Admin-consented application permissions; they become the `roles` claim. */
  readonly grantedRoles = new Set<string>();

  constructor(
    readonly clientId: string,
    public displayName: string,
    readonly servicePrincipalId: string,
  ) {}

  findKeyBySha256(thumbprintHex: string): KeyCredential | undefined {
    return [...this.keyCredentials.values()].find((key) => key.thumbprintSha256Hex === thumbprintHex);
  }

  findKeyBySha1(thumbprintHex: string): KeyCredential | undefined {
    return [...this.keyCredentials.values()].find((key) => key.thumbprintSha1Hex === thumbprintHex);
  }
}
