import type { KeyCredential } from './key-credential';

/** App registration plus its service principal in the same tenant (single-tenant apps only). */
export class AppRegistration {
  readonly redirectUris = new Set<string>();
  readonly keyCredentials = new Map<string, KeyCredential>();
  /** Admin-consented application permissions; they become the `roles` claim. */
  readonly grantedRoles = new Set<string>();
  /**
   * App-only tokens still valid, by `uti`, with their expiry (seconds): what a revocation event refuses. Pruned,
   * whenever a token is issued, of those Graph refuses anyway (expired beyond its 5 minutes of clock skew).
   */
  readonly liveTokens = new Map<string, number>();
  /** Tokens refused since a revocation event (continuous access evaluation, docs/graph-notes.md §1.8). */
  readonly revokedTokens = new Set<string>();

  constructor(
    readonly clientId: string,
    public displayName: string,
    readonly servicePrincipalId: string,
  ) {}

  rememberToken(uti: string, expiresAt: number, now: number): void {
    for (const [id, exp] of this.liveTokens) if (exp + 300 < now) this.liveTokens.delete(id);
    for (const id of this.revokedTokens) if (!this.liveTokens.has(id)) this.revokedTokens.delete(id);
    this.liveTokens.set(uti, expiresAt);
  }

  /** Refuses every app-only token issued so far; tokens issued afterwards are accepted. */
  revokeTokens(): number {
    for (const uti of this.liveTokens.keys()) this.revokedTokens.add(uti);
    return this.revokedTokens.size;
  }

  findKeyBySha256(thumbprintHex: string): KeyCredential | undefined {
    return [...this.keyCredentials.values()].find((key) => key.thumbprintSha256Hex === thumbprintHex);
  }

  findKeyBySha1(thumbprintHex: string): KeyCredential | undefined {
    return [...this.keyCredentials.values()].find((key) => key.thumbprintSha1Hex === thumbprintHex);
  }
}
