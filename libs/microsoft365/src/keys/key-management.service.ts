import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { Microsoft365Events } from '../events/microsoft365-events.service';
import { ConfigurationChanges } from '../settings/configuration-changes.service';
import { generateKeyPair } from './certificate-generator';
import { KeyPairEntity, keyPairSecretContext } from './key-pair.entity';
import { KeyPairStatus } from './key-pair-status';
import { SecretBox } from './secret-box.service';

export interface KeyPairs {
  active: KeyPairEntity | null;
  pending: KeyPairEntity | null;
}

/** Generates, stores (encrypted), rotates and retires a tenant's key pairs. */
@Injectable()
export class KeyManagementService {
  private readonly logger = new Logger(KeyManagementService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly secretBox: SecretBox,
    private readonly events: Microsoft365Events,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly changes: ConfigurationChanges,
  ) {}

  async current(pbxTenantId: string): Promise<KeyPairs> {
    const pairs = await this.em.fork().find(KeyPairEntity, {
      pbxTenantId,
      status: { $in: [KeyPairStatus.Active, KeyPairStatus.Pending] },
    });
    return {
      active: pairs.find((p) => p.status === KeyPairStatus.Active) ?? null,
      pending: pairs.find((p) => p.status === KeyPairStatus.Pending) ?? null,
    };
  }

  /**
   * A tenant's first key pair is active at once. Any later one is pending: the current one stays in use until a
   * token has been obtained with the new one, so rotating never breaks the integration. Generating again while
   * one is pending replaces the pending one (the admin lost the file, say).
   */
  async generate(pbxTenantId: string, commonName: string, validityDays: number): Promise<KeyPairEntity> {
    const now = this.clock.now();
    const generated = await generateKeyPair({ commonName, now, validityDays, modulusLength: 2048 });
    const generatedPair = await this.em.transactional(async (em) => {
      // Serialises concurrent generations for one tenant; the partial unique indexes back this up.
      await em.execute('select pg_advisory_xact_lock(hashtext(?))', [`m365-keys:${pbxTenantId}`]);
      const existing = await em.find(KeyPairEntity, {
        pbxTenantId,
        status: { $in: [KeyPairStatus.Active, KeyPairStatus.Pending] },
      });
      const hasActive = existing.some((p) => p.status === KeyPairStatus.Active);
      for (const pending of existing.filter((p) => p.status === KeyPairStatus.Pending)) {
        em.remove(pending);
      }
      await em.flush();
      const pair = new KeyPairEntity();
      pair.pbxTenantId = pbxTenantId;
      pair.status = hasActive ? KeyPairStatus.Pending : KeyPairStatus.Active;
      pair.activatedAt = hasActive ? null : now;
      pair.createdAt = now;
      pair.certificatePem = generated.certificatePem;
      pair.subject = generated.details.subject;
      pair.serialNumber = generated.details.serialNumber;
      pair.thumbprintSha1 = generated.details.thumbprintSha1;
      pair.thumbprintSha256 = generated.details.thumbprintSha256;
      pair.notBefore = generated.details.notBefore;
      pair.notAfter = generated.details.notAfter;
      const sealed = this.secretBox.seal(
        Buffer.from(generated.privateKeyPem, 'utf8'),
        keyPairSecretContext(pair),
      );
      pair.encryptedPrivateKey = sealed.ciphertext;
      pair.masterKeyVersion = sealed.masterKeyVersion;
      em.persist(pair);
      this.logger.log(
        `Generated ${pair.status} key pair ${pair.id} for PBX tenant ${pbxTenantId} ` +
          `(SHA-256 ${pair.thumbprintSha256}, expires ${pair.notAfter.toISOString()})`,
      );
      return pair;
    });
    // Committed: this instance's caches at once, the others through the trigger's notification.
    this.changes.changed(pbxTenantId);
    return generatedPair;
  }

  /** The decrypted PKCS#8 private key of a key pair, for the token providers (app tokens, sign-in) only. */
  async privateKeyPem(pair: Pick<KeyPairEntity, 'id'>): Promise<string> {
    const row = await this.em
      .fork()
      .findOneOrFail(
        KeyPairEntity,
        { id: pair.id },
        { fields: ['id', 'pbxTenantId', 'encryptedPrivateKey', 'masterKeyVersion'] },
      );
    return this.secretBox
      .open(
        { ciphertext: row.encryptedPrivateKey, masterKeyVersion: row.masterKeyVersion },
        keyPairSecretContext(row),
      )
      .toString('utf8');
  }

  /** Makes the pending key pair the active one and retires the old one, atomically. */
  async promote(pbxTenantId: string, pendingId: string): Promise<void> {
    const now = this.clock.now();
    const retired = await this.em.transactional(async (em) => {
      await em.execute('select pg_advisory_xact_lock(hashtext(?))', [`m365-keys:${pbxTenantId}`]);
      const pending = await em.findOne(KeyPairEntity, {
        id: pendingId,
        pbxTenantId,
        status: KeyPairStatus.Pending,
      });
      if (!pending) return undefined;
      const active = await em.findOne(KeyPairEntity, { pbxTenantId, status: KeyPairStatus.Active });
      if (active) {
        active.status = KeyPairStatus.Retired;
        active.retiredAt = now;
        // Flushed first: the partial unique index allows only one active row at any moment.
        await em.flush();
      }
      pending.status = KeyPairStatus.Active;
      pending.activatedAt = now;
      pending.lastActivationError = null;
      await em.flush();
      return active?.id ?? null;
    });
    if (retired !== undefined) {
      this.changes.changed(pbxTenantId);
      this.logger.log(`PBX tenant ${pbxTenantId}: key pair ${pendingId} is now active`);
      this.events.emit({
        type: 'certificate.rotated',
        pbxTenantId,
        activeKeyPairId: pendingId,
        retiredKeyPairId: retired,
      });
    }
  }

  async recordActivationError(pendingId: string, error: string): Promise<void> {
    await this.em.fork().nativeUpdate(KeyPairEntity, { id: pendingId }, { lastActivationError: error });
  }

  async removeAll(pbxTenantId: string): Promise<void> {
    await this.em.fork().nativeDelete(KeyPairEntity, { pbxTenantId });
    this.changes.changed(pbxTenantId);
  }
}
