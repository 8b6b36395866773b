import { type EntityData, type FilterQuery } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
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

/** What proves the redeemer is who started the sign-in: the app's PKCE verifier, or the portal's browser key. */
export type CodeProof =
  { client: 'app'; verifier: string } | { client: 'web'; browserKey: string | undefined };

/**
 * Server-side storage of sign-in attempts: state, nonce and PKCE verifier, bound to the browser, usable once and
 * for ten minutes. Consuming is one conditional UPDATE, so two callbacks racing with the same state cannot both win.
 */
@Injectable()
export class SsoTransactionStore {
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

  /** Uses up the state: answers the attempt once, if it is unexpired and was started by this browser. */
  async consume(
    state: string | undefined,
    browserKey: string | undefined,
  ): Promise<SsoTransactionEntity & { codeVerifier: string }> {
    if (!state) throw new SsoError(SsoErrorCode.InvalidState, 'callback without state');
    const now = this.clock.now();
    const stateHash = hashToken(state);
    const transaction = await this.useUp(
      { stateHash, callbackAt: null, expiresAt: { $gt: now } },
      { callbackAt: now },
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
    return Object.assign(transaction, { codeVerifier });
  }

  /** A one-time code for the app or the portal, granting this sign-in to whoever holds its proof. */
  async issueCode(transactionId: string, grant: SignInGrant): Promise<string> {
    const code = randomToken();
    await this.em.fork().nativeUpdate(
      SsoTransactionEntity,
      { id: transactionId },
      {
        codeHash: hashToken(code),
        codeExpiresAt: new Date(this.clock.now().getTime() + CODE_TTL_MS),
        ...grant,
      },
    );
    return code;
  }

  /** One attempt per code: a wrong proof uses it up, so a stolen code cannot be brute-forced. */
  async redeemCode(code: string, proof: CodeProof): Promise<RedeemedCode> {
    const now = this.clock.now();
    const codeHash = hashToken(code);
    const refused = (detail: string) =>
      new SsoError(proof.client === 'app' ? SsoErrorCode.InvalidAppCode : SsoErrorCode.InvalidCode, detail);
    const transaction = await this.useUp(
      { codeHash, client: proof.client, codeUsedAt: null, codeExpiresAt: { $gt: now } },
      { codeUsedAt: now },
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
    const { userId, role, objectId, directoryId } = transaction;
    if (!userId || !role || !objectId || !directoryId) {
      throw refused('code without a signed-in user');
    }
    return { scope: transaction.scope, client: transaction.client, userId, role, objectId, directoryId };
  }

  /**
   * Marks the one row matching `where` as used and answers it as it is now, in one conditional UPDATE ... RETURNING:
   * two requests racing for it cannot both win, and the winner needs no second read.
   */
  private async useUp(
    where: FilterQuery<SsoTransactionEntity>,
    used: Pick<SsoTransactionEntity, 'callbackAt'> | Pick<SsoTransactionEntity, 'codeUsedAt'>,
  ): Promise<SsoTransactionEntity | null> {
    const em = this.em.fork();
    const rows = await em
      .createQueryBuilder(SsoTransactionEntity)
      .update(used)
      .where(where)
      .returning('*')
      .execute<EntityData<SsoTransactionEntity>[]>('all', false);
    const [row] = rows;
    return rows.length === 1 && row ? em.map(SsoTransactionEntity, row) : null;
  }
}

function verifierContext(stateHash: string): string {
  return `m365-sso-verifier:${stateHash}`;
}
