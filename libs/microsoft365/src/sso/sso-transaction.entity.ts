import { Entity, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { type SignInRole, type SsoClient } from './sign-in-rules';
import { randomUUID } from 'node:crypto';

/**
 * One "Sign in with Microsoft" attempt, from the login redirect to the session. State, browser key and app code
 * are stored only as SHA-256 hashes, and the PKCE verifier only encrypted: a database read cannot finish anybody's
 * sign-in. Rows are short-lived and purged once expired.
 */
@Entity({ tableName: 'm365_sso_transactions' })
export class SsoTransactionEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'text', unique: 'm365_sso_transactions_state_hash_unique' })
  stateHash!: string;

  /** A PBX tenant id, or `system`. */
  @Property({ type: 'text' })
  scope!: string;

  @Property({ type: 'text' })
  client!: SsoClient;

  /** Binds the attempt to the browser that started it (hash of an HttpOnly cookie). */
  @Property({ type: 'text' })
  browserKeyHash!: string;

  @Property({ type: 'text' })
  nonce!: string;

  /** Our PKCE verifier towards Entra, encrypted with the module's master key. */
  @Property({ type: 'blob' })
  encryptedCodeVerifier!: Buffer;

  @Property({ type: 'integer' })
  masterKeyVersion!: number;

  /** The redirect URI sent to Entra; the code must be redeemed with exactly this one. */
  @Property({ type: 'text' })
  redirectUri!: string;

  /** App flow: the app's registered redirect URI and its own PKCE challenge (S256). */
  @Property({ type: 'text', nullable: true })
  appRedirectUri: string | null = null;

  @Property({ type: 'text', nullable: true })
  appCodeChallenge: string | null = null;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  @Index({ name: 'm365_sso_transactions_expires_at_index' })
  expiresAt!: Date;

  /** Set when the callback used the state: a state is good for one callback only. */
  @Property({ type: 'datetime', nullable: true })
  callbackAt: Date | null = null;

  /**
   * After a successful callback: the one-time code's hash (the app redeems it with its PKCE verifier, the portal
   * from the browser that started the sign-in) and who signed in. What the code grants is decided again, from the
   * PBX's state at that moment, when it is redeemed.
   */
  @Property({
    type: 'text',
    nullable: true,
    fieldName: 'app_code_hash',
    unique: 'm365_sso_transactions_app_code_hash_unique',
  })
  codeHash: string | null = null;

  @Property({ type: 'datetime', nullable: true, fieldName: 'app_code_expires_at' })
  codeExpiresAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true, fieldName: 'app_code_used_at' })
  codeUsedAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  userId: string | null = null;

  /** The role at the callback, for support; the session gets the role the PBX user has at the exchange. */
  @Property({ type: 'text', nullable: true })
  role: SignInRole | null = null;

  /** The Microsoft account (`oid`, `tid`) that signed in: the link and the rules are checked again with it. */
  @Property({ type: 'text', nullable: true })
  objectId: string | null = null;

  @Property({ type: 'text', nullable: true })
  directoryId: string | null = null;
}
