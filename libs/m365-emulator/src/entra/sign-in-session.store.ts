import { randomBytes, randomUUID } from 'node:crypto';

export interface PendingAuthorization {
  readonly id: string;
  /** The {tenant} path segment of the authorize request (a tenant, or common/organizations). */
  readonly tenantSegment: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly responseMode: 'query' | 'fragment' | 'form_post';
  readonly scopes: readonly string[];
  readonly state: string | undefined;
  readonly nonce: string | undefined;
  readonly codeChallenge: string | undefined;
  readonly codeChallengeMethod: 'S256' | 'plain' | undefined;
  readonly loginHint: string | undefined;
  readonly createdAt: number;
}

export interface SignInSession {
  readonly id: string;
  readonly tenantId: string;
  readonly userId: string;
}

const PENDING_LIFETIME_MS = 3_600_000;

/** Sign-in transactions between the authorize page and the form POST, and the browser SSO sessions. */
export class SignInSessionStore {
  private readonly pending = new Map<string, PendingAuthorization>();
  private readonly sessions = new Map<string, SignInSession>();

  startPending(request: Omit<PendingAuthorization, 'id'>): PendingAuthorization {
    for (const [id, existing] of this.pending) {
      if (existing.createdAt + PENDING_LIFETIME_MS < request.createdAt) this.pending.delete(id);
    }
    const pending = { ...request, id: randomBytes(24).toString('base64url') };
    this.pending.set(pending.id, pending);
    return pending;
  }

  findPending(id: string, now: number): PendingAuthorization | undefined {
    const pending = this.pending.get(id);
    return pending && pending.createdAt + PENDING_LIFETIME_MS >= now ? pending : undefined;
  }

  completePending(id: string): void {
    this.pending.delete(id);
  }

  openSession(tenantId: string, userId: string): SignInSession {
    const session = { id: randomUUID(), tenantId, userId };
    this.sessions.set(session.id, session);
    return session;
  }

  findSession(id: string | undefined): SignInSession | undefined {
    return id ? this.sessions.get(id) : undefined;
  }

  closeSession(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }
}
