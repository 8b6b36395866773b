import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { CLOCK, type Clock } from '../common/clock';
import { Microsoft365Events } from '../events/microsoft365-events.service';
import { expiryMessage, expiryWarningLevel, isMoreSevere } from './expiry-warning';
import { KeyPairEntity } from './key-pair.entity';
import { ExpiryWarningLevel, KeyPairStatus } from './key-pair-status';

/**
 * Announces, once each, that an active certificate expires in 30 days, in 7 days, and that it has expired. Every
 * instance checks; a warning is claimed with one conditional update, so only one instance announces it.
 */
@Injectable()
export class KeyExpiryMonitor {
  private readonly logger = new Logger(KeyExpiryMonitor.name);

  constructor(
    private readonly em: EntityManager,
    private readonly events: Microsoft365Events,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Interval('microsoft365-key-expiry', 3_600_000)
  async checkAll(): Promise<number> {
    const now = this.clock.now();
    const em = this.em.fork();
    const soon = new Date(now.getTime() + 30 * 24 * 3600 * 1000);
    const pairs = await em.find(KeyPairEntity, { status: KeyPairStatus.Active, notAfter: { $lte: soon } });
    let announced = 0;
    for (const pair of pairs) {
      const level = expiryWarningLevel(pair.notAfter, now);
      if (!level || !isMoreSevere(level, pair.lastExpiryWarning)) continue;
      if (!(await this.claim(em, pair.id, level))) continue;
      const message = expiryMessage(level, pair.notAfter, now);
      this.logger.warn(`PBX tenant ${pair.pbxTenantId}: ${message}`);
      this.events.emit({
        type: 'certificate.expiring',
        pbxTenantId: pair.pbxTenantId,
        level,
        keyPairId: pair.id,
        thumbprintSha256: pair.thumbprintSha256,
        notAfter: pair.notAfter,
        message,
      });
      announced++;
    }
    return announced;
  }

  /** Records `level` unless this or a more severe warning was recorded already (by this or another instance). */
  private async claim(em: EntityManager, keyPairId: string, level: ExpiryWarningLevel): Promise<boolean> {
    const lessSevere = Object.values(ExpiryWarningLevel).filter((other) => isMoreSevere(level, other));
    const claimed = await em.nativeUpdate(
      KeyPairEntity,
      { id: keyPairId, $or: [{ lastExpiryWarning: null }, { lastExpiryWarning: { $in: lessSevere } }] },
      { lastExpiryWarning: level },
    );
    return claimed === 1;
  }
}
