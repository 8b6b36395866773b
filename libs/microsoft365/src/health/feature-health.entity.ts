import { Entity, Enum, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { HealthFeature, HealthState } from './feature-health';

/** What the admin should know about a failure: Microsoft's code and what to do. */
export interface HealthFailure {
  code: string;
  message: string;
  action?: string;
  microsoftCode?: string;
  requestId?: string;
}

/** The escalation state of one background feature of one PBX tenant; no row means healthy. */
@Entity({ tableName: 'm365_feature_health' })
@Index({ properties: ['state', 'nextAttemptAt'] })
export class FeatureHealthEntity {
  @PrimaryKey({ type: 'text' })
  pbxTenantId!: string;

  @Enum({ items: () => HealthFeature, type: 'text', primary: true })
  feature!: HealthFeature;

  @Enum({ items: () => HealthState, type: 'text' })
  state: HealthState & Opt = HealthState.Healthy;

  @Property({ type: 'int' })
  consecutiveFailures: number & Opt = 0;

  @Property({ type: 'jsonb', nullable: true })
  lastFailure: HealthFailure | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  lastFailureAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  lastSuccessAt: Date | null = null;

  /** When automatic runs may try again while quarantined. */
  @Property({ type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  updatedAt!: Date;
}
