/** Issues the host PBX's own session once a user has signed in with Microsoft. */
export const PBX_SESSIONS = Symbol('PBX_SESSIONS');

export type PbxSessionRole = 'tenant-admin' | 'user';

export interface PbxSessionRequest {
  pbxTenantId: string | null;
  userId: string;
  role: PbxSessionRole;
  client: 'web' | 'app';
}

export interface PbxSession {
  token: string;
  expiresAt: Date;
}

/** A system administrator, as "Sign in with Microsoft" for the system scope sees them. */
export interface PbxSystemAdmin {
  id: string;
  enabled: boolean;
  userPrincipalName: string | null;
}

export interface PbxSessionsPort {
  issueSession(request: PbxSessionRequest): Promise<PbxSession>;
  revokeSession(token: string): Promise<void>;
  /** System administrators matching any of the given ids or UPNs (case-insensitive). */
  findSystemAdmins(lookup: { ids?: string[]; userPrincipalNames?: string[] }): Promise<PbxSystemAdmin[]>;
}
