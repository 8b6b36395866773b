import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { NotificationSettingsEntity } from './notification-settings.entity';
import { type UpdateNotificationSettingsDto } from './notification-settings.dto';

/** A tenant's subscriptions are managed by one PBX instance for this long before another may take over. */
const LEASE_MS = 2 * 60_000;

@Injectable()
export class NotificationSettingsService {
  constructor(
    private readonly em: EntityManager,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async get(pbxTenantId: string): Promise<NotificationSettingsEntity> {
    return (
      (await this.em.fork().findOne(NotificationSettingsEntity, { pbxTenantId })) ??
      Object.assign(new NotificationSettingsEntity(), { pbxTenantId })
    );
  }

  async update(
    pbxTenantId: string,
    changes: UpdateNotificationSettingsDto,
  ): Promise<NotificationSettingsEntity> {
    await this.ensure(pbxTenantId);
    const set: Partial<NotificationSettingsEntity> = { updatedAt: this.clock.now() };
    if (changes.enabled !== undefined) set.enabled = changes.enabled;
    if (changes.fallbackIntervalMinutes !== undefined)
      set.fallbackIntervalMinutes = changes.fallbackIntervalMinutes;
    await this.em.fork().nativeUpdate(NotificationSettingsEntity, { pbxTenantId }, set);
    return this.get(pbxTenantId);
  }

  /** Takes the tenant's lease for managing subscriptions; false when another instance holds it. */
  async lease(pbxTenantId: string): Promise<boolean> {
    await this.ensure(pbxTenantId);
    const now = this.clock.now();
    const taken = await this.em
      .fork()
      .nativeUpdate(
        NotificationSettingsEntity,
        { pbxTenantId, $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] },
        { leaseUntil: new Date(now.getTime() + LEASE_MS) },
      );
    return taken > 0;
  }

  async release(pbxTenantId: string): Promise<void> {
    await this.em.fork().nativeUpdate(NotificationSettingsEntity, { pbxTenantId }, { leaseUntil: null });
  }

  /** Records why subscriptions do not work; the first failure starts the fallback clock. */
  async recordFailure(pbxTenantId: string, error: string): Promise<void> {
    await this.ensure(pbxTenantId);
    const em = this.em.fork();
    await em.nativeUpdate(NotificationSettingsEntity, { pbxTenantId }, { lastError: error });
    await em.nativeUpdate(
      NotificationSettingsEntity,
      { pbxTenantId, failingSince: null },
      { failingSince: this.clock.now() },
    );
  }

  async recordHealthy(pbxTenantId: string): Promise<void> {
    await this.em
      .fork()
      .nativeUpdate(NotificationSettingsEntity, { pbxTenantId }, { lastError: null, failingSince: null });
  }

  async recordFallbackRun(pbxTenantId: string): Promise<void> {
    await this.ensure(pbxTenantId);
    await this.em
      .fork()
      .nativeUpdate(NotificationSettingsEntity, { pbxTenantId }, { lastFallbackRunAt: this.clock.now() });
  }

  private async ensure(pbxTenantId: string): Promise<void> {
    await this.em
      .fork()
      .createQueryBuilder(NotificationSettingsEntity)
      .insert({ pbxTenantId, updatedAt: this.clock.now() })
      .onConflict('pbxTenantId')
      .ignore()
      .execute();
  }
}
