import type { DirectoryGroupFields } from '../state/directory-group';
import type { DirectoryUserFields } from '../state/directory-user';

export interface TenantInfo {
  id: string;
  domain: string;
  displayName: string;
  /** MSAL authority, e.g. https://localhost:PORT/{tenantId} */
  authority: string;
  tokenEndpoint: string;
  issuer: string;
  userCount: number;
  groupCount: number;
}

export interface CertificateInfo {
  keyId: string;
  thumbprintSha1Hex: string;
  thumbprintSha256Hex: string;
  customKeyIdentifier: string;
  startDateTime: string;
  endDateTime: string;
}

export interface AppInfo {
  tenantId: string;
  clientId: string;
  displayName: string;
  servicePrincipalId: string;
  redirectUris: string[];
  permissions: string[];
  certificates: CertificateInfo[];
}

export type UserInput = Partial<DirectoryUserFields> & {
  userPrincipalName: string;
  id?: string;
  password?: string;
};

export interface UserInfo {
  id: string;
  userPrincipalName: string;
  displayName: string | null;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  department: string | null;
  hasPhoto: boolean;
}

export type GroupInput = Partial<DirectoryGroupFields> & { displayName: string; id?: string };

export interface GroupInfo {
  id: string;
  displayName: string;
  memberCount: number;
}

export interface CreateTenantInput {
  id?: string;
  domain: string;
  displayName?: string;
}

export interface RegisterAppInput {
  tenant: string;
  clientId?: string;
  displayName: string;
  redirectUris?: string[];
  permissions?: string[];
}

export interface ClockAdvanceInput {
  ms?: number;
  seconds?: number;
  minutes?: number;
  hours?: number;
  days?: number;
}
