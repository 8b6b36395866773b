import { Injectable } from '@nestjs/common';
import { inspect } from 'node:util';
import { KeyManagementService } from '../keys/key-management.service';
import { type KeyPairEntity } from '../keys/key-pair.entity';
import { ConfigurationChanges } from '../settings/configuration-changes.service';
import { type TenantSettingsEntity } from '../settings/tenant-settings.entity';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { type SsoSettingsEntity } from './sso-settings.entity';
import { SsoSettingsService } from './sso-settings.service';

/**
 * A safety net only: every committed change is notified at once. It bounds how long a change can go unseen when a
 * notification cannot arrive (a connection that died without telling, until TCP keepalive finds out).
 */
const TTL_MS = 60_000;
/** Far above the tenants of one PBX; an instance never holds more, whatever asks for sign-in pages. */
const MAX_ENTRIES = 10_000;

/** The active key pair's public part: what a sign-in names in its client assertion. */
export interface ActiveKeyPair {
  id: string;
  thumbprintSha256: string;
  certificatePem: string;
}

/**
 * One scope's sign-in configuration as read at one moment. Read-only: it is shared by the sign-ins of its scope.
 * The decrypted private key stays in this object's memory, is decrypted on first use (never by discovery, which
 * anybody may call) and is never part of what it prints or serializes.
 */
export class SsoTenantConfiguration {
  #privateKeyPem: Promise<string> | null = null;

  constructor(
    readonly scope: string,
    readonly settings: TenantSettingsEntity | null,
    readonly rules: SsoSettingsEntity,
    readonly activeKeyPair: ActiveKeyPair | null,
    private readonly decrypt: (keyPairId: string) => Promise<string>,
  ) {}

  /** The active key pair's decrypted private key; null without an active key pair. */
  privateKeyPem(): Promise<string> | null {
    const active = this.activeKeyPair;
    if (!active) return null;
    if (!this.#privateKeyPem) {
      const decrypting = this.decrypt(active.id);
      this.#privateKeyPem = decrypting;
      decrypting.catch((error: unknown) => {
        // expected: the caller gets this error; the failed read is not kept, so the next sign-in tries again.
        if (this.#privateKeyPem === decrypting) this.#privateKeyPem = null;
        return error;
      });
    }
    return this.#privateKeyPem;
  }

  toJSON(): object {
    return { scope: this.scope, activeKeyPairId: this.activeKeyPair?.id ?? null };
  }

  [inspect.custom](): string {
    return `SsoTenantConfiguration(${this.scope}, key pair ${this.activeKeyPair?.id ?? 'none'})`;
  }
}

/**
 * Per-scope sign-in configuration (tenant settings, sign-in rules, active key pair) kept in this instance's memory,
 * so a callback reads none of it from the database (issue 20). Keyed by the scope and filled only by that scope's
 * reads: one tenant's entry never answers for another. A change is dropped here as soon as this instance hears of
 * it (ConfigurationChanges); while it cannot hear other instances' changes, nothing is kept.
 */
@Injectable()
export class SsoConfigurationCache {
  private readonly entries = new Map<
    string,
    { loaded: Promise<SsoTenantConfiguration>; expiresAt: number }
  >();

  constructor(
    private readonly tenantSettings: TenantSettingsService,
    private readonly ssoSettings: SsoSettingsService,
    private readonly keys: KeyManagementService,
    private readonly changes: ConfigurationChanges,
  ) {
    changes.subscribe((scope) => (scope === null ? this.entries.clear() : this.entries.delete(scope)));
  }

  get(scope: string): Promise<SsoTenantConfiguration> {
    const now = performance.now();
    const cached = this.entries.get(scope);
    if (cached && cached.expiresAt > now) return cached.loaded;
    const loaded = this.load(scope);
    if (!this.changes.listening) {
      this.entries.delete(scope);
      return loaded;
    }
    // In the map before the first read is sent: a change heard while reading drops this entry, never a later one.
    const entry = { loaded, expiresAt: now + TTL_MS };
    this.entries.delete(scope);
    this.entries.set(scope, entry);
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    loaded.catch((error: unknown) => {
      // expected: the caller gets this error; only the failed read is forgotten, so the next one retries.
      if (this.entries.get(scope) === entry) this.entries.delete(scope);
      return error;
    });
    return loaded;
  }

  private async load(scope: string): Promise<SsoTenantConfiguration> {
    const [settings, rules, { active }] = await Promise.all([
      this.tenantSettings.find(scope),
      this.ssoSettings.rules(scope),
      this.keys.current(scope),
    ]);
    return new SsoTenantConfiguration(scope, settings, rules, active ? publicPart(active) : null, (id) =>
      this.keys.privateKeyPem({ id }),
    );
  }
}

function publicPart(pair: KeyPairEntity): ActiveKeyPair {
  return { id: pair.id, thumbprintSha256: pair.thumbprintSha256, certificatePem: pair.certificatePem };
}
