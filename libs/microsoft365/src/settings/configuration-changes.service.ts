import { Injectable } from '@nestjs/common';

/** A tenant whose configuration changed, or `null`: any tenant's may have (forget them all). */
export type ConfigurationChangeListener = (pbxTenantId: string | null) => void;

/**
 * Tells this instance's configuration caches that a tenant's settings, sign-in rules or key pairs changed: at once
 * for a write made here, and for a write made by any instance when PostgreSQL delivers its notification
 * ({@link ConfigurationNotificationsListener}). While those notifications are not heard (not yet connected, or the
 * connection dropped), `listening` is false and caches keep nothing: a change elsewhere would go unnoticed.
 */
@Injectable()
export class ConfigurationChanges {
  private readonly listeners: ConfigurationChangeListener[] = [];
  private heard = false;

  subscribe(listener: ConfigurationChangeListener): void {
    this.listeners.push(listener);
  }

  /** A tenant's configuration changed (committed). */
  changed(pbxTenantId: string): void {
    for (const listener of this.listeners) listener(pbxTenantId);
  }

  /** Any configuration may have changed. */
  changedAll(): void {
    for (const listener of this.listeners) listener(null);
  }

  /** Whether every instance's changes reach this one; a cache may keep what it read only while this is true. */
  get listening(): boolean {
    return this.heard;
  }

  /**
   * The notification connection is up (`true`) or gone (`false`). Either way everything is forgotten: what was
   * read before going deaf may change unheard, and what changed between dropping and listening again was not heard.
   */
  setListening(listening: boolean): void {
    this.heard = listening;
    this.changedAll();
  }
}
