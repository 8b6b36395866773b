import { Entity, Enum, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { SyncKind } from '../runs/sync-run-status';
import {
  type MailboxCounts,
  ProvisioningAction,
  type ProvisioningFieldChange,
} from './provisioning-log-entry';

/**
 * What one run did to one user (user sync) or one mailbox (contact sync), kept for the tenant's retention. The
 * indexes serve the admin's questions (by run, object id, UPN, PBX user) and the cleanup (by age), always within
 * one PBX tenant.
 */
@Entity({ tableName: 'm365_provisioning_log' })
@Index({ properties: ['pbxTenantId', 'runId'] })
@Index({ properties: ['pbxTenantId', 'objectId'] })
@Index({ properties: ['pbxTenantId', 'pbxUserId'] })
@Index({ properties: ['pbxTenantId', 'kind', 'createdAt'] })
@Index({
  name: 'm365_provisioning_log_upn_index',
  expression: `create index "m365_provisioning_log_upn_index" on "m365_provisioning_log" ("pbx_tenant_id", lower("user_principal_name"))`,
})
export class ProvisioningLogEntryEntity {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  pbxTenantId!: string;

  @Enum({ items: () => SyncKind, type: 'text' })
  kind!: SyncKind;

  @Property({ type: 'uuid' })
  runId!: string;

  @Enum({ items: () => ProvisioningAction, type: 'text' })
  action!: ProvisioningAction;

  /** The Entra object id of the user or mailbox. */
  @Property({ type: 'text' })
  objectId!: string;

  /** The UPN when the entry was written (it may have changed since; the object id does not). */
  @Property({ type: 'text', nullable: true })
  userPrincipalName: string | null = null;

  @Property({ type: 'text', nullable: true })
  pbxUserId: string | null = null;

  @Property({ type: 'text', nullable: true })
  extension: string | null = null;

  @Property({ type: 'text', nullable: true })
  reason: string | null = null;

  @Property({ type: 'text', nullable: true })
  message: string | null = null;

  @Property({ type: 'json', nullable: true })
  changes: ProvisioningFieldChange[] | null = null;

  @Property({ type: 'json', nullable: true })
  counts: MailboxCounts | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();
}
