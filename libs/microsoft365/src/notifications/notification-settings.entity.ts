import { Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

/** A PBX tenant's change notifications: on/off, the polling fallback, and the health of its subscriptions. */
@Entity({ tableName: 'm365_notification_settings' })
export class NotificationSettingsEntity {
  @PrimaryKey({ type: 'text' })
  pbxTenantId!: string;

  /** Use change notifications when the PBX is reachable from Microsoft; off = polling only. */
  @Property({ type: 'boolean' })
  enabled: boolean & Opt = true;

  /** Incremental user sync every this many minutes while notifications are not working. */
  @Property({ type: 'integer' })
  fallbackIntervalMinutes: number & Opt = 5;

  @Property({ type: 'datetime', nullable: true })
  lastFallbackRunAt: Date | null = null;

  /** Why subscriptions do not work, for the admin (no secrets: codes and Microsoft's messages only). */
  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  failingSince: Date | null = null;

  /** One PBX instance at a time manages a tenant's subscriptions; the others wait for this to pass. */
  @Property({ type: 'datetime', nullable: true, hidden: true })
  leaseUntil: Date | null = null;

  @Property({ type: 'datetime' })
  updatedAt: Date & Opt = new Date();
}
