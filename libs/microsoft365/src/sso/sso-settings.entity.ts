import { Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { DEFAULT_ADMINISTRATOR_RULE, DEFAULT_USER_RULE, type SignInRule } from './sign-in-rules';

/** A Microsoft account bound by hand to a PBX system administrator (system scope only). */
export interface SystemAdminAccount {
  /** The account's object id (`oid`) in the system configuration's directory. */
  objectId: string;
  /** The host's id of the system administrator. */
  adminId: string;
}

/**
 * A tenant's "Sign in with Microsoft" rules (the on/off switch is the `singleSignOn` feature switch of the
 * tenant settings). The row whose `pbxTenantId` is `system` holds the rules for system administrators.
 */
@Entity({ tableName: 'm365_sso_settings' })
export class SsoSettingsEntity {
  @PrimaryKey({ type: 'text' })
  pbxTenantId!: string;

  /** Tenant users (PortSIP's `sign_in_as_standard_user`). */
  @Property({ type: 'json' })
  users: SignInRule & Opt = { ...DEFAULT_USER_RULE, selectedUsers: [] };

  /** Tenant admins, or system admins in the system scope (PortSIP's `sign_in_as_administrator`). */
  @Property({ type: 'json' })
  administrators: SignInRule & Opt = { ...DEFAULT_ADMINISTRATOR_RULE, selectedUsers: [] };

  /** Where the mobile app may be sent back to (custom schemes or https app links), compared exactly. */
  @Property({ type: 'json' })
  appRedirectUris: string[] & Opt = [];

  /**
   * The https app redirect URIs a system administrator approved for this tenant: an https URI is a web page anybody
   * may host, so a tenant admin alone cannot make one receive sign-in codes. Custom schemes need no approval.
   */
  @Property({ type: 'json' })
  approvedAppRedirectUris: string[] & Opt = [];

  /** Sent as `domain_hint`, so that Entra skips the home-realm discovery page (e.g. `contoso.com`). */
  /**
   * System scope only: the Microsoft accounts that may sign in as system administrators, each bound to one. User
   * sync never covers system admins, so this explicit list is their equivalent of the user-sync links; a matching
   * UPN or email is never enough.
   */
  @Property({ type: 'json' })
  systemAdminAccounts: SystemAdminAccount[] & Opt = [];

  @Property({ type: 'text', nullable: true })
  domainHint: string | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime' })
  updatedAt: Date & Opt = new Date();
}
