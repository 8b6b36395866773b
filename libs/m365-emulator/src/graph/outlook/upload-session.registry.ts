import { randomBytes } from 'node:crypto';

export interface UploadSession {
  readonly id: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly messageId: string;
  readonly name: string;
  readonly contentType: string;
  readonly isInline: boolean;
  readonly size: number;
  /** Pre-authentication secret embedded in the uploadUrl (Outlook's authtoken). */
  readonly authToken: string;
  readonly expiresAt: number;
  readonly chunks: Buffer[];
  nextOffset: number;
}

/** Open attachment upload sessions, addressed by the opaque uploadUrl rather than by tenant. */
export class UploadSessionRegistry {
  private readonly sessions = new Map<string, UploadSession>();

  open(input: Omit<UploadSession, 'authToken' | 'chunks' | 'nextOffset'>): UploadSession {
    const session: UploadSession = {
      ...input,
      authToken: randomBytes(24).toString('base64url'),
      chunks: [],
      nextOffset: 0,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  find(id: string): UploadSession | undefined {
    return this.sessions.get(id);
  }

  close(id: string): void {
    this.sessions.delete(id);
  }
}
