import { Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { type TeamsStatusMapping } from './teams-presence-mapping';

export const CHANGE_NOTIFICATION_MODES = ['off', 'serviceAccount'] as const;
export type TeamsPresenceChangeNotifications = (typeof CHANGE_NOTIFICATION_MODES)[number];

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

  /**
   * Teams → PBX by change notifications through a service account the admin signs in once (`serviceAccount`), or
   * by polling alone (`off`). Presence notifications exist with delegated permissions only (docs/graph-notes.md §14).
   */
  @Property({ type: 'text' })
  changeNotifications: TeamsPresenceChangeNotifications & Opt = 'off';

  @Property({ type: 'datetime' })
  updatedAt: Date & Opt = new Date();
}
