import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { type AppCredentials, type AppToken } from './app-credentials';
import { type AcquireOptions, AppTokenProvider } from './app-token.provider';
import { MsalClientProvider } from './msal-client.provider';
import { KeyManagementService } from '../keys/key-management.service';
import { type KeyPairEntity } from '../keys/key-pair.entity';
import { ConfigurationChanges } from '../settings/configuration-changes.service';
import { TenantSettingsService } from '../settings/tenant-settings.service';

/** How often a pending key pair is tried while the admin has not uploaded it yet. */
const PENDING_RETRY_INTERVAL_MS = 60_000;
const CACHE_MS = 60_000;

export interface TenantToken extends AppToken {
  keyPairId: string;
}

export interface TokenRequestOptions {
  allowDisabled?: boolean;
  tryPendingNow?: boolean;
  /** Straight from Entra, past both caches: what the connection test reports must be today's truth. */
  fresh?: boolean;
}

/**
 * App-only Graph tokens for a PBX tenant, with rotation that never breaks: while a pending key pair exists it is
 * tried now and then; the first token it yields proves the admin uploaded it, and it becomes the active one.
 * Until then the active key pair keeps serving every call.
 */
@Injectable()
export class TenantTokenService {
  private readonly logger = new Logger(TenantTokenService.name);
  private readonly lastPendingAttempt = new Map<string, number>();
  /** Resolved tokens, so that a Graph call does not read settings and keys from the database each time. */
  private readonly cache = new Map<string, { token: TenantToken; until: number }>();
  /** Counts evictions, so that a token resolved across one is not cached (it may come from the old settings). */
  private evictions = 0;
  /** One renewal per tenant at a time: a page of parallel requests refused together asks Entra once. */
  private readonly renewals = new Map<string, Promise<TenantToken>>();

  constructor(
    private readonly settings: TenantSettingsService,
    private readonly keys: KeyManagementService,
    private readonly tokens: AppTokenProvider,
    msalClients: MsalClientProvider,
    changes: ConfigurationChanges,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    // Whoever drops a tenant's MSAL clients (settings saved, key pair generated or removed) drops the resolved
    // token too: it names the old cloud, app or key, and would otherwise serve Graph calls for up to a minute.
    msalClients.onEvict((pbxTenantId) => this.evict(pbxTenantId));
    // So does a change made through another instance (PostgreSQL's notification; all tenants when the notifications
    // were not heard): the next call reads the settings and keys again. Only the resolved token goes: MSAL's
    // clients are kept per credentials, so a changed cloud, app, directory or key gets a client of its own, and an
    // unchanged one keeps its cached token (a notification costs no request to Entra).
    changes.subscribe((pbxTenantId) => this.evict(pbxTenantId));
  }

  async getToken(pbxTenantId: string, options: TokenRequestOptions = {}): Promise<TenantToken> {
    const cached = this.cache.get(pbxTenantId);
    if (cached && cached.until > this.clock.now().getTime() && !options.tryPendingNow && !options.fresh) {
      return cached.token;
    }
    return this.resolveAndCache(pbxTenantId, options, options.fresh ? { skipCache: true } : {});
  }

  /**
   * A new token after Graph refused `refused` (revoked under continuous access evaluation, or otherwise invalid):
   * both caches are bypassed, and a claims challenge's `claims` go to Entra (docs/graph-notes.md §1.8). Callers
   * refused together share one renewal; a caller whose token was already replaced gets the replacement.
   */
  async renew(pbxTenantId: string, refused: string, claims?: string): Promise<TenantToken> {
    const inFlight = this.renewals.get(pbxTenantId);
    if (inFlight) return inFlight;
    const cached = this.cache.get(pbxTenantId);
    if (cached && cached.token.accessToken !== refused && cached.until > this.clock.now().getTime()) {
      return cached.token;
    }
    // MSAL's cache too: skipCache only bypasses it for this request, and when Entra then refuses us (a certificate
    // removed, consent revoked) every later run would be handed the refused token again before failing the same way.
    this.evict(pbxTenantId);
    this.tokens.evict(pbxTenantId);
    const renewal = this.resolveAndCache(pbxTenantId, {}, { skipCache: true, claims }).finally(() =>
      this.renewals.delete(pbxTenantId),
    );
    this.renewals.set(pbxTenantId, renewal);
    return renewal;
  }

  private async resolveAndCache(
    pbxTenantId: string,
    options: TokenRequestOptions,
    acquire: AcquireOptions,
  ): Promise<TenantToken> {
    const now = this.clock.now().getTime();
    const evictions = this.evictions;
    const token = await this.resolve(pbxTenantId, options, acquire);
    // Not kept when a change was heard meanwhile: the settings and keys it was resolved from may be the old ones.
    if (evictions !== this.evictions) return token;
    // Re-checked at least every minute (pending keys, settings), and well before MSAL's own renewal window.
    this.cache.set(pbxTenantId, {
      token,
      until: Math.min(now + CACHE_MS, token.expiresOn.getTime() - 5 * 60_000),
    });
    return token;
  }

  /** Forgets the cached token after the tenant's settings or key pairs changed (`null`: every tenant's). */
  evict(pbxTenantId: string | null): void {
    this.evictions++;
    if (pbxTenantId === null) this.cache.clear();
    else this.cache.delete(pbxTenantId);
  }

  private async resolve(
    pbxTenantId: string,
    options: TokenRequestOptions,
    acquire: AcquireOptions,
  ): Promise<TenantToken> {
    const settings = await this.settings.requireConfigured(pbxTenantId);
    if (!settings.enabled && !options.allowDisabled) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.Disabled,
        'The Microsoft 365 integration is switched off for this tenant',
        {
          action: 'Switch the integration on in the Microsoft 365 settings.',
        },
      );
    }
    const { active, pending } = await this.keys.current(pbxTenantId);
    const base = {
      pbxTenantId,
      cloud: settings.cloud,
      applicationId: settings.applicationId,
      directoryId: settings.directoryId,
    };

    if (pending && (!active || options.tryPendingNow || this.pendingAttemptDue(pending))) {
      this.lastPendingAttempt.set(pending.id, this.clock.now().getTime());
      try {
        const token = await this.tokens.acquire(await this.credentials(base, pending), { skipCache: true });
        await this.keys.promote(pbxTenantId, pending.id);
        if (active) this.tokens.evict(pbxTenantId);
        return { ...token, keyPairId: pending.id };
      } catch (error) {
        const exception = AppTokenProvider.toException(error);
        await this.keys.recordActivationError(pending.id, `${exception.code}: ${exception.message}`);
        if (!active) throw exception;
        this.logger.log(
          `PBX tenant ${pbxTenantId}: pending key pair not usable yet (${exception.code}); the active one stays in use`,
        );
      }
    }
    if (!active) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.NotConfigured,
        'No key pair has been generated for this tenant',
        {
          action: 'Generate a key pair and upload public_key.pem to the Entra app registration.',
        },
      );
    }
    const token = await this.tokens.acquire(await this.credentials(base, active), acquire);
    return { ...token, keyPairId: active.id };
  }

  private pendingAttemptDue(pending: KeyPairEntity): boolean {
    const last = this.lastPendingAttempt.get(pending.id);
    return last === undefined || this.clock.now().getTime() - last >= PENDING_RETRY_INTERVAL_MS;
  }

  private async credentials(
    base: Omit<AppCredentials, 'keyPairId' | 'thumbprintSha256' | 'privateKeyPem' | 'certificatePem'>,
    pair: KeyPairEntity,
  ): Promise<AppCredentials> {
    return {
      ...base,
      keyPairId: pair.id,
      thumbprintSha256: pair.thumbprintSha256,
      privateKeyPem: await this.keys.privateKeyPem(pair),
      certificatePem: pair.certificatePem,
    };
  }
}
