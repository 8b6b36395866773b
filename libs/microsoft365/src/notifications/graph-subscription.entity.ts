import { Entity, Enum, Index, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { SubscriptionKind } from './subscription-lifetime';
import { randomUUID } from 'node:crypto';

/**
 * A change-notification subscription we hold at Microsoft. The clientState secret itself is never stored: only its
 * SHA-256, enough to check what arrives and useless to anyone who reads the table.
 */
@Entity({ tableName: 'm365_graph_subscriptions' })
@Unique({ properties: ['subscriptionId'] })
@Unique({ properties: ['pbxTenantId', 'resource'] })
@Index({ properties: ['expiresAt'] })
export class GraphSubscriptionEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'text' })
  pbxTenantId!: string;

  /** Graph's id of the subscription. */
  @Property({ type: 'text' })
  subscriptionId!: string;

  @Enum({ items: () => SubscriptionKind, type: 'text' })
  kind!: SubscriptionKind;

  /** e.g. `users`, `groups/{id}`, `users/{id}/events`. */
  @Property({ type: 'text' })
  resource!: string;

  /** The PBX user whose mailbox the subscription watches (events, contacts). */
  @Property({ type: 'text', nullable: true })
  pbxUserId: string | null = null;

  @Property({ type: 'text', hidden: true })
  clientStateHash!: string;

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  renewedAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  lastNotificationAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  lastLifecycleEvent: string | null = null;
}
