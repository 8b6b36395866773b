import { type EntityData } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { SecretBox } from '../keys/secret-box.service';
import { hashToken, randomToken, verifierMatches } from './pkce';
import { type SignInRole, type SsoClient } from './sign-in-rules';
import { SsoError, SsoErrorCode } from './sso-error';
import { SsoTransactionEntity } from './sso-transaction.entity';
import { randomUUID } from 'node:crypto';

/** From the login redirect to the callback: Entra's own codes live ten minutes, a sign-in page as long. */
const TRANSACTION_TTL_MS = 10 * 60_000;
/** The app and the portal pick up their one-time code right after the redirect. */
const CODE_TTL_MS = 2 * 60_000;
/** Rows are kept this long after expiry (for support), then purged. */
const RETENTION_MS = 60 * 60_000;
/** `<secret>.<master key version>.<sealed grant>`: see {@link SsoTransactionStore.oneTimeCode}. */
const ONE_TIME_CODE = /^([A-Za-z0-9_-]{43})\.([1-9][0-9]{0,8})\.([A-Za-z0-9_-]{1,2048})$/;

export interface NewTransaction {
  scope: string;
  client: SsoClient;
  browserKey: string;
  redirectUri: string;
  appRedirectUri?: string;
  appCodeChallenge?: string;
}

export interface StartedTransaction {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Who signed in at the callback; the exchange decides again what that grants now. */
export interface SignInGrant {
  userId: string;
  role: SignInRole;
  objectId: string;
  directoryId: string;
}

export interface RedeemedCode extends SignInGrant {
  scope: string;
  client: SsoClient;
}

/** A used-up state, with the secrets that came with it. */
export type ConsumedTransaction = SsoTransactionEntity & {
  codeVerifier: string;
  /**
   * The secret part of this sign-in's one-time code, whose hash the consuming statement stored: it grants nothing
   * until {@link SsoTransactionStore.oneTimeCode} seals a grant to it, which happens only once the sign-in is allowed.
   */
  codeSecret: string;
};

/** What proves the redeemer is who started the sign-in: the app's PKCE verifier, or the portal's browser key. */
export type CodeProof =
  { client: 'app'; verifier: string } | { client: 'web'; browserKey: string | undefined };

/**
 * Server-side storage of sign-in attempts: state, nonce and PKCE verifier, bound to the browser, usable once and
 * for ten minutes. Consuming is one conditional UPDATE, so two callbacks racing with the same state cannot both win.
 *
 * The one-time code costs the callback no statement of its own: the consuming UPDATE also stores the hash of the
 * code's secret, and who signed in travels sealed in the code (AES-GCM under the master key, bound to that hash),
 * written to the row when the code is redeemed.
 */
@Injectable()
export class SsoTransactionStore {
  private readonly logger = new Logger(SsoTransactionStore.name);

  constructor(
    private readonly em: EntityManager,
    private readonly secretBox: SecretBox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Sign-ins of a scope started and not yet called back nor expired. */
  async pending(scope: string): Promise<number> {
    return this.em
      .fork()
      .count(SsoTransactionEntity, { scope, callbackAt: null, expiresAt: { $gt: this.clock.now() } });
  }

  async start(input: NewTransaction): Promise<StartedTransaction> {
    const now = this.clock.now();
    const started = { state: randomToken(), nonce: randomToken(), codeVerifier: randomToken() };
    const stateHash = hashToken(started.state);
    const sealed = this.secretBox.seal(Buffer.from(started.codeVerifier, 'utf8'), verifierContext(stateHash));
    const em = this.em.fork();
    await em.nativeDelete(SsoTransactionEntity, {
      expiresAt: { $lt: new Date(now.getTime() - RETENTION_MS) },
    });
    await em.insert(SsoTransactionEntity, {
      id: randomUUID(),
      stateHash,
      scope: input.scope,
      client: input.client,
      browserKeyHash: hashToken(input.browserKey),
      nonce: started.nonce,
      encryptedCodeVerifier: sealed.ciphertext,
      masterKeyVersion: sealed.masterKeyVersion,
      redirectUri: input.redirectUri,
      appRedirectUri: input.appRedirectUri ?? null,
      appCodeChallenge: input.appCodeChallenge ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + TRANSACTION_TTL_MS),
    });
    return started;
  }

  /**
   * Uses up the state: answers the attempt once, if it is unexpired and was started by this browser. The same
   * statement stores the hash of the one-time code's secret (see {@link oneTimeCode}); the code's two minutes start
   * here.
   */
  async consume(state: string | undefined, browserKey: string | undefined): Promise<ConsumedTransaction> {
    if (!state) throw new SsoError(SsoErrorCode.InvalidState, 'callback without state');
    const now = this.clock.now();
    const stateHash = hashToken(state);
    const codeSecret = randomToken();
    const transaction = await this.useUp(
      `update m365_sso_transactions set callback_at = ?, app_code_hash = ?, app_code_expires_at = ?
        where state_hash = ? and callback_at is null and expires_at > ? returning *`,
      [now, hashToken(codeSecret), new Date(now.getTime() + CODE_TTL_MS), stateHash, now],
    );
    if (!transaction) throw new SsoError(SsoErrorCode.InvalidState, 'state unknown, expired or already used');
    // Login CSRF: a state started in another browser (an attacker's) is refused, and is now used up too.
    if (!browserKey || hashToken(browserKey) !== transaction.browserKeyHash) {
      throw new SsoError(SsoErrorCode.InvalidState, 'state belongs to another browser');
    }
    const codeVerifier = this.secretBox
      .open(
        { ciphertext: transaction.encryptedCodeVerifier, masterKeyVersion: transaction.masterKeyVersion },
        verifierContext(stateHash),
      )
      .toString('utf8');
    return Object.assign(transaction, { codeVerifier, codeSecret });
  }

  /**
   * The one-time code for the app or the portal, granting this sign-in to whoever holds its proof; no statement.
   * Called only once the sign-in is allowed: before, the secret alone redeems nothing. The grant is sealed to the
   * secret's hash, so it cannot be moved to another code, and is opened only by this PBX's master key.
   */
  oneTimeCode(codeSecret: string, grant: SignInGrant): string {
    const { userId, role, objectId, directoryId } = grant;
    const sealed = this.secretBox.seal(
      Buffer.from(JSON.stringify({ userId, role, objectId, directoryId }), 'utf8'),
      grantContext(hashToken(codeSecret)),
    );
    return `${codeSecret}.${sealed.masterKeyVersion}.${sealed.ciphertext.toString('base64url')}`;
  }

  /** One attempt per code: a wrong proof uses it up, so a stolen code cannot be brute-forced. */
  async redeemCode(code: string, proof: CodeProof): Promise<RedeemedCode> {
    const now = this.clock.now();
    const refused = (detail: string) =>
      new SsoError(proof.client === 'app' ? SsoErrorCode.InvalidAppCode : SsoErrorCode.InvalidCode, detail);
    const parts = ONE_TIME_CODE.exec(code);
    if (!parts) throw refused('malformed code');
    const [, secret = '', version, sealed = ''] = parts;
    const codeHash = hashToken(secret);
    // Opened before the row is used up, so that the same statement records who signed in (for support). A code
    // whose grant does not open is used up all the same: one attempt per code.
    const grant = this.openGrant(codeHash, Number(version), sealed);
    const transaction = await this.useUp(
      `update m365_sso_transactions
          set app_code_used_at = ?, user_id = coalesce(?, user_id), role = coalesce(?, role),
              object_id = coalesce(?, object_id), directory_id = coalesce(?, directory_id)
        where app_code_hash = ? and client = ? and app_code_used_at is null and app_code_expires_at > ?
        returning *`,
      [
        now,
        grant?.userId ?? null,
        grant?.role ?? null,
        grant?.objectId ?? null,
        grant?.directoryId ?? null,
        codeHash,
        proof.client,
        now,
      ],
    );
    if (!transaction) throw refused('code unknown, expired or used');
    const proven =
      proof.client === 'app'
        ? !!transaction.appCodeChallenge && verifierMatches(proof.verifier, transaction.appCodeChallenge)
        : !!proof.browserKey && hashToken(proof.browserKey) === transaction.browserKeyHash;
    if (!proven) {
      throw refused(
        proof.client === 'app' ? 'PKCE verifier does not match' : 'code belongs to another browser',
      );
    }
    if (!grant) throw refused('code without a signed-in user');
    return { scope: transaction.scope, client: transaction.client, ...grant };
  }

  /** The grant sealed in a code, or null when it does not open or is not one (tampered, unknown master key). */
  private openGrant(codeHash: string, masterKeyVersion: number, sealed: string): SignInGrant | null {
    let grant: unknown;
    try {
      const ciphertext = Buffer.from(sealed, 'base64url');
      grant = JSON.parse(
        this.secretBox.open({ ciphertext, masterKeyVersion }, grantContext(codeHash)).toString('utf8'),
      );
    } catch (error) {
      this.logger.warn(
        `A one-time sign-in code's grant did not open: ${error instanceof Error ? error.name : 'unknown'}`,
      );
      return null;
    }
    const { userId, role, objectId, directoryId } = (grant ?? {}) as Record<string, unknown>;
    if (
      typeof userId !== 'string' ||
      !isSignInRole(role) ||
      typeof objectId !== 'string' ||
      typeof directoryId !== 'string'
    ) {
      this.logger.warn('A one-time sign-in code carries a grant of another shape');
      return null;
    }
    return { userId, role, objectId, directoryId };
  }

  /**
   * Marks the one row a conditional `UPDATE ... RETURNING *` matches as used and answers it as it is now: two
   * requests racing for it cannot both win, and the winner needs no second read. Plain SQL: it runs on every
   * callback and every exchange, and the query builder cost more than the statement.
   */
  private async useUp(sql: string, params: unknown[]): Promise<SsoTransactionEntity | null> {
    const rows = await this.em.getConnection().execute<EntityData<SsoTransactionEntity>[]>(sql, params);
    const [row] = rows;
    return rows.length === 1 && row ? this.em.fork().map(SsoTransactionEntity, row) : null;
  }
}

function verifierContext(stateHash: string): string {
  return `m365-sso-verifier:${stateHash}`;
}

function grantContext(codeHash: string): string {
  return `m365-sso-grant:${codeHash}`;
}

function isSignInRole(role: unknown): role is SignInRole {
  return role === 'system-admin' || role === 'tenant-admin' || role === 'user';
}
