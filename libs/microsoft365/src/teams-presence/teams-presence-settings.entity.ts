import { Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { type TeamsStatusMapping } from './teams-presence-mapping';

/**
 * A PBX tenant's Teams presence. The two directions are switched on and off with the other feature switches
 * (`features.pbxToTeamsPresence`, `features.teamsToPbxPresence`), so the connection test checks their permissions.
 */
@Entity({ tableName: 'm365_teams_presence_settings' })
export class TeamsPresenceSettingsEntity {
  @PrimaryKey({ type: 'text' })
  pbxTenantId!: string;

  /** Teams state (activity or availability) → PBX status name; empty: the default mapping. */
  @Property({ type: 'json' })
  mapping: TeamsStatusMapping & Opt = {};

  /** How often Teams presence is read (Teams → PBX). */
  @Property({ type: 'integer' })
  pollIntervalSeconds: number & Opt = 60;

  @Property({ type: 'datetime', nullable: true })
  lastPolledAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Property({ type: 'datetime' })
  updatedAt: Date & Opt = new Date();
}
