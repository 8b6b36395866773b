import { randomBytes } from 'node:crypto';

/**
 * What a refresh token stands for (docs/graph-notes.md §14): the app, the user, the scopes consented at sign-in,
 * and when the user signed in (the grant's age is what revocation compares with).
 */
export interface RefreshTokenGrant {
  readonly tenantId: string;
  readonly clientId: string;
  readonly userId: string;
  readonly scopes: readonly string[];
  readonly sessionId: string;
  /** When the user signed in interactively (epoch ms); kept when the token is redeemed for a new one. */
  readonly authTimeMs: number;
  /** Last redemption (or issue): a refresh token unused for 90 days is expired (AADSTS700082). */
  lastUsedMs: number;
}

/** Refresh tokens are usable for 90 days of inactivity by default (refresh-tokens, "Token lifetime"). */
export const REFRESH_TOKEN_INACTIVITY_MS = 90 * 24 * 60 * 60_000;

/** Refresh tokens the emulator issued; opaque to clients, like Entra's. */
export class RefreshTokenStore {
  private readonly grants = new Map<string, RefreshTokenGrant>();

  issue(grant: RefreshTokenGrant): string {
    const token = `1.Aemu-rt.${randomBytes(48).toString('base64url')}`;
    this.grants.set(token, grant);
    return token;
  }

  find(token: string): RefreshTokenGrant | undefined {
    return this.grants.get(token);
  }
}
