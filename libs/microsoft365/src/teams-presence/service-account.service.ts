import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { type AppCredentials } from '../graph/app-credentials';
import { KeyManagementService } from '../keys/key-management.service';
import { SecretBox } from '../keys/secret-box.service';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { hashToken, randomToken, s256 } from '../sso/pkce';
import { ServiceAccountMsalProvider } from './service-account-msal.provider';
import { ServiceAccountEntity, serviceAccountCacheContext } from './service-account.entity';

/** The admin finishes the sign-in right after starting it; Entra's own codes live ten minutes. */
const PENDING_TTL_MS = 10 * 60_000;
export const SERVICE_ACCOUNT_CALLBACK_PATH = '/microsoft365/teams-presence/service-account/callback';

/** What the settings view shows of the service account; never a token. */
export interface ServiceAccountStatus {
  upn: string;
  signedInAt: string;
  /** Why it gets no token any more (Microsoft's code), or null. */
  failure: { microsoftCode: string; message: string; at: string } | null;
}

/**
 * Teams presence's service account (docs/graph-notes.md §14): the admin signs it in once (authorization code with
 * PKCE, state kept hashed and the verifier sealed), its MSAL token cache is stored sealed under the master key
 * (bound to the tenant as authenticated data), and delegated tokens come from it silently. A refusal by Entra
 * marks the account failed, so that Teams presence polls until an admin signs it in again.
 */
@Injectable()
export class ServiceAccountService {
  private readonly logger = new Logger(ServiceAccountService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly secretBox: SecretBox,
    private readonly keys: KeyManagementService,
    private readonly tenantSettings: TenantSettingsService,
    private readonly msal: ServiceAccountMsalProvider,
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The redirect URI to add to the Entra app registration (Web platform) for the service account's sign-in. */
  redirectUri(): string {
    const prefix = (this.options.routePrefix ?? '').replace(/^\/*/, '/').replace(/\/+$/, '');
    return `${this.options.publicUrl.replace(/\/+$/, '')}${prefix === '/' ? '' : prefix}${SERVICE_ACCOUNT_CALLBACK_PATH}`;
  }

  /** Starts a sign-in; answers Entra's authorization URL for the admin's browser. */
  async startSignIn(pbxTenantId: string): Promise<string> {
    const credentials = await this.credentials(pbxTenantId);
    const state = randomToken();
    const verifier = randomToken();
    const stateHash = hashToken(state);
    const sealed = this.secretBox.seal(
      Buffer.from(verifier, 'utf8'),
      verifierContext(pbxTenantId, stateHash),
    );
    const now = this.clock.now();
    const redirectUri = this.redirectUri();
    await this.em
      .fork()
      .createQueryBuilder(ServiceAccountEntity)
      .insert({
        pbxTenantId,
        pendingStateHash: stateHash,
        pendingEncryptedVerifier: sealed.ciphertext,
        pendingMasterKeyVersion: sealed.masterKeyVersion,
        pendingRedirectUri: redirectUri,
        pendingExpiresAt: new Date(now.getTime() + PENDING_TTL_MS),
        updatedAt: now,
      })
      .onConflict('pbxTenantId')
      .merge([
        'pendingStateHash',
        'pendingEncryptedVerifier',
        'pendingMasterKeyVersion',
        'pendingRedirectUri',
        'pendingExpiresAt',
        'updatedAt',
      ])
      .execute();
    return this.msal.authorizationUrl(credentials, { redirectUri, state, codeChallenge: s256(verifier) });
  }

  /**
   * Entra's form post: the state is used up (one conditional update), the code redeemed with the verifier, and the
   * account's token cache stored sealed. Answers the tenant and the account signed in.
   */
  async completeSignIn(request: {
    state?: unknown;
    code?: unknown;
    error?: unknown;
  }): Promise<{ pbxTenantId: string; upn: string }> {
    if (typeof request.state !== 'string' || request.state.length > 256) throw refused('no sign-in state');
    const stateHash = hashToken(request.state);
    const em = this.em.fork();
    const row = await em.findOne(
      ServiceAccountEntity,
      { pendingStateHash: stateHash, pendingExpiresAt: { $gt: this.clock.now() } },
      { populate: ['pendingEncryptedVerifier'] },
    );
    if (!row?.pendingEncryptedVerifier || !row.pendingRedirectUri || row.pendingMasterKeyVersion === null) {
      throw refused('the sign-in is unknown, expired or already finished');
    }
    const won = await em.nativeUpdate(
      ServiceAccountEntity,
      { pbxTenantId: row.pbxTenantId, pendingStateHash: stateHash },
      { pendingStateHash: null, pendingEncryptedVerifier: null, pendingExpiresAt: null },
    );
    if (won !== 1) throw refused('the sign-in is already finished');
    if (typeof request.error === 'string' || typeof request.code !== 'string') {
      throw refused(
        `Entra answered ${typeof request.error === 'string' ? request.error.slice(0, 64) : 'no code'}`,
      );
    }
    const verifier = this.secretBox
      .open(
        { ciphertext: row.pendingEncryptedVerifier, masterKeyVersion: row.pendingMasterKeyVersion },
        verifierContext(row.pbxTenantId, stateHash),
      )
      .toString('utf8');
    const account = await this.msal.redeemCode(await this.credentials(row.pbxTenantId), {
      code: request.code,
      redirectUri: row.pendingRedirectUri,
      codeVerifier: verifier,
    });
    const sealed = this.secretBox.seal(
      Buffer.from(account.cache, 'utf8'),
      serviceAccountCacheContext(row.pbxTenantId),
    );
    await em.nativeUpdate(
      ServiceAccountEntity,
      { pbxTenantId: row.pbxTenantId },
      {
        upn: account.upn,
        objectId: account.objectId,
        encryptedCache: sealed.ciphertext,
        masterKeyVersion: sealed.masterKeyVersion,
        signedInAt: this.clock.now(),
        failureCode: null,
        failureMessage: null,
        failedAt: null,
        updatedAt: this.clock.now(),
      },
    );
    this.logger.log(`PBX tenant ${row.pbxTenantId}: Teams presence service account signed in`);
    return { pbxTenantId: row.pbxTenantId, upn: account.upn };
  }

  async signOut(pbxTenantId: string): Promise<void> {
    await this.em.fork().nativeDelete(ServiceAccountEntity, { pbxTenantId });
  }

  async status(pbxTenantId: string): Promise<ServiceAccountStatus | null> {
    const row = await this.em.fork().findOne(ServiceAccountEntity, { pbxTenantId });
    if (!row?.upn || !row.signedInAt) return null;
    return {
      upn: row.upn,
      signedInAt: row.signedInAt.toISOString(),
      failure:
        row.failureCode && row.failedAt
          ? {
              microsoftCode: row.failureCode,
              message: row.failureMessage ?? '',
              at: row.failedAt.toISOString(),
            }
          : null,
    };
  }

  /** Signed in and not failed: change notifications can be used. */
  async usable(pbxTenantId: string): Promise<boolean> {
    const status = await this.status(pbxTenantId);
    return status !== null && status.failure === null;
  }

  /**
   * A delegated access token for Graph. Entra's refusal marks the account failed (and is thrown, for the caller
   * to record in the feature's health); a refreshed cache is sealed and stored again.
   */
  async accessToken(pbxTenantId: string, forceRefresh = false): Promise<string> {
    const em = this.em.fork();
    const row = await em.findOne(ServiceAccountEntity, { pbxTenantId }, { populate: ['encryptedCache'] });
    if (!row?.encryptedCache || row.masterKeyVersion === null || row.failureCode) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.NotConfigured,
        'No Teams presence service account is signed in',
        { action: 'Sign a service account in in the Teams presence settings.' },
      );
    }
    const cache = this.secretBox
      .open(
        { ciphertext: row.encryptedCache, masterKeyVersion: row.masterKeyVersion },
        serviceAccountCacheContext(pbxTenantId),
      )
      .toString('utf8');
    try {
      const token = await this.msal.accessToken(await this.credentials(pbxTenantId), cache, forceRefresh);
      if (token.cache !== null) {
        const sealed = this.secretBox.seal(
          Buffer.from(token.cache, 'utf8'),
          serviceAccountCacheContext(pbxTenantId),
        );
        await em.nativeUpdate(
          ServiceAccountEntity,
          { pbxTenantId },
          { encryptedCache: sealed.ciphertext, masterKeyVersion: sealed.masterKeyVersion },
        );
      }
      return token.accessToken;
    } catch (error) {
      if (
        error instanceof Microsoft365Exception &&
        error.code === Microsoft365ErrorCode.AuthenticationFailed
      ) {
        const microsoftCode = error.microsoft?.aadsts
          ? `AADSTS${error.microsoft.aadsts}`
          : (error.microsoft?.code ?? error.code);
        await em.nativeUpdate(
          ServiceAccountEntity,
          { pbxTenantId },
          { failureCode: microsoftCode, failureMessage: error.message, failedAt: this.clock.now() },
        );
      }
      throw error;
    }
  }

  private async credentials(pbxTenantId: string): Promise<AppCredentials> {
    const settings = await this.tenantSettings.requireConfigured(pbxTenantId);
    const { active } = await this.keys.current(pbxTenantId);
    if (!active) {
      throw new Microsoft365Exception(Microsoft365ErrorCode.NotConfigured, 'No key pair has been generated', {
        action: 'Generate a key pair and upload public_key.pem to the Entra app registration.',
      });
    }
    return {
      pbxTenantId,
      cloud: settings.cloud,
      applicationId: settings.applicationId,
      directoryId: settings.directoryId,
      keyPairId: active.id,
      thumbprintSha256: active.thumbprintSha256,
      privateKeyPem: await this.keys.privateKeyPem(active),
      certificatePem: active.certificatePem,
    };
  }
}

function refused(detail: string): Microsoft365Exception {
  return new Microsoft365Exception(
    Microsoft365ErrorCode.InvalidInput,
    `Service account sign-in refused: ${detail}`,
    {
      action: 'Start the sign-in again from the Teams presence settings.',
    },
  );
}

function verifierContext(pbxTenantId: string, stateHash: string): string {
  return `m365-teams-presence-verifier:${pbxTenantId}:${stateHash}`;
}
