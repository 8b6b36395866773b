import { Entity, Index, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * A presence subscription the tenant's service account holds at Microsoft (at most 650 users, at most an hour,
 * docs/graph-notes.md §14). Only the clientState's SHA-256 is stored, as for the other subscriptions.
 */
@Entity({ tableName: 'm365_teams_presence_subscriptions' })
@Unique({ properties: ['subscriptionId'] })
@Index({ properties: ['pbxTenantId'] })
export class PresenceSubscriptionEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'text' })
  pbxTenantId!: string;

  @Property({ type: 'text' })
  subscriptionId!: string;

  /** The users it watches (object ids, lower case). */
  @Property({ type: 'json' })
  objectIds!: string[];

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
}
