import { Entity, Enum, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { DEFAULT_FEATURE_SWITCHES, type FeatureSwitches } from './feature-switches';
import { Microsoft365Cloud } from './microsoft365-cloud';

/** The scope id of the system-level configuration (used by system administrators' own sign-in). */
export const SYSTEM_SCOPE = 'system';

/**
 * A PBX tenant's connection to its Entra app registration. The system-level configuration is the row whose
 * `pbxTenantId` is {@link SYSTEM_SCOPE}; the host's tenant ids are its own (numeric, slugs, UUIDs), and `system` is
 * reserved for this row (a host must not give a tenant that id).
 */
@Entity({ tableName: 'm365_tenant_settings' })
export class TenantSettingsEntity {
  @PrimaryKey({ type: 'text' })
  pbxTenantId!: string;

  /** The whole integration on or off; switching it off keeps every setting and synced object. */
  @Property({ type: 'boolean' })
  enabled: boolean & Opt = false;

  /** Application (client) id of the Entra app registration. */
  @Property({ type: 'uuid', nullable: true })
  applicationId: string | null = null;

  /** Directory (tenant) id of the customer's Entra tenant. */
  @Property({ type: 'uuid', nullable: true })
  directoryId: string | null = null;

  /**
   * Public base URL (https) of the SBC that fronts the PBX for this tenant, if any: its sign-in callback is a second
   * redirect URI, used for sign-ins that reach the PBX through the SBC.
   */
  @Property({ type: 'text', nullable: true })
  sbcUrl: string | null = null;

  @Enum({ items: () => Microsoft365Cloud, type: 'text' })
  cloud: Microsoft365Cloud & Opt = Microsoft365Cloud.Global;

  @Property({ type: 'json' })
  features: FeatureSwitches & Opt = { ...DEFAULT_FEATURE_SWITCHES };

  /** Validity of newly generated certificates. */
  @Property({ type: 'integer' })
  certificateValidityDays: number & Opt = 365;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
