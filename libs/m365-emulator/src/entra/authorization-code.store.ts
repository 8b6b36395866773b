import { randomBytes } from 'node:crypto';

export interface AuthorizationCodeGrant {
  readonly tenantId: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly userId: string;
  readonly scopes: readonly string[];
  readonly nonce: string | undefined;
  readonly codeChallenge: string | undefined;
  readonly codeChallengeMethod: 'S256' | 'plain' | undefined;
  readonly sessionId: string;
  readonly expiresAt: number;
  redeemed: boolean;
}

/** Authorization codes: single use, bound to client, redirect URI and PKCE challenge; ~10 minutes (§11). */
export class AuthorizationCodeStore {
  private readonly grants = new Map<string, AuthorizationCodeGrant>();

  issue(grant: AuthorizationCodeGrant, now: number): string {
    for (const [code, existing] of this.grants)
      if (existing.expiresAt + 3_600_000 < now) this.grants.delete(code);
    const code = `1.Aemu${randomBytes(48).toString('base64url')}`;
    this.grants.set(code, grant);
    return code;
  }

  find(code: string): AuthorizationCodeGrant | undefined {
    return this.grants.get(code);
  }
}
