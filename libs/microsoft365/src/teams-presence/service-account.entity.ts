import { Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The account a PBX tenant's admin signs in once so that Teams presence can use change notifications, which
 * Microsoft offers with delegated permissions only (docs/graph-notes.md §14). Its MSAL token cache (refresh token
 * included) is kept only encrypted with the master key, bound to the tenant; it is never logged nor returned.
 * A sign-in the admin started and not finished lives in the `pending*` columns, for ten minutes.
 */
@Entity({ tableName: 'm365_teams_presence_service_accounts' })
export class ServiceAccountEntity {
  @PrimaryKey({ type: 'text' })
  pbxTenantId!: string;

  @Property({ type: 'text', nullable: true })
  upn: string | null = null;

  @Property({ type: 'text', nullable: true })
  objectId: string | null = null;

  /** MSAL's serialized token cache, sealed (AES-256-GCM) under the master key. */
  @Property({ type: 'blob', nullable: true, hidden: true, lazy: true })
  encryptedCache: Buffer | null = null;

  @Property({ type: 'integer', nullable: true })
  masterKeyVersion: number | null = null;

  @Property({ type: 'datetime', nullable: true })
  signedInAt: Date | null = null;

  /** Why the account can no longer get tokens (Microsoft's code, e.g. AADSTS50173): polling until signed in again. */
  @Property({ type: 'text', nullable: true })
  failureCode: string | null = null;

  @Property({ type: 'text', nullable: true })
  failureMessage: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  failedAt: Date | null = null;

  /** SHA-256 of the pending sign-in's state. */
  @Property({ type: 'text', nullable: true, unique: 'm365_teams_presence_service_accounts_state_unique' })
  pendingStateHash: string | null = null;

  @Property({ type: 'blob', nullable: true, hidden: true, lazy: true })
  pendingEncryptedVerifier: Buffer | null = null;

  @Property({ type: 'integer', nullable: true })
  pendingMasterKeyVersion: number | null = null;

  @Property({ type: 'text', nullable: true })
  pendingRedirectUri: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  pendingExpiresAt: Date | null = null;

  @Property({ type: 'datetime' })
  updatedAt: Date & Opt = new Date();
}

/**
 * The authenticated data the token cache is sealed with: binds it to its tenant, so a ciphertext copied to another
 * tenant's row does not open. Shared by the service that seals it and the master key re-wrap.
 */
export function serviceAccountCacheContext(pbxTenantId: string): string {
  return `m365-teams-presence-token-cache:${pbxTenantId}`;
}
