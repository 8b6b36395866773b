import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ContactFolderEntity } from '../contact-sync/contact-folder.entity';
import { CalendarPresenceRunner } from '../presence/calendar-presence.runner';
import { TenantSettingsEntity } from '../settings/tenant-settings.entity';
import { UserSyncSettingsService } from '../user-sync/user-sync-settings.service';
import { SubscriptionKind } from './subscription-lifetime';

export interface WantedSubscription {
  kind: SubscriptionKind;
  resource: string;
  pbxUserId: string | null;
}

/** The mailbox (object id) of a `users/{id}/contacts` resource. */
export function contactsMailbox(resource: string): string | null {
  const match = /^users\/([^/]+)\/contacts$/.exec(resource);
  return match?.[1] ?? null;
}

/**
 * The change-notification subscriptions a tenant needs, from what its features read: `users` (and each group in
 * the user sync's scope) for the user sync, each calendar of calendar presence, each mailbox the contact sync feeds.
 */
@Injectable()
export class WantedSubscriptionsResolver {
  constructor(
    private readonly em: EntityManager,
    private readonly userSyncSettings: UserSyncSettingsService,
    private readonly presence: CalendarPresenceRunner,
  ) {}

  /** `tenant`: its settings row, as the caller read it for this reconciliation. */
  async wanted(tenant: TenantSettingsEntity): Promise<WantedSubscription[]> {
    const { pbxTenantId } = tenant;
    const wanted: WantedSubscription[] = [];
    if (tenant.features.userSync) {
      wanted.push({ kind: SubscriptionKind.Users, resource: 'users', pbxUserId: null });
      const userSync = await this.userSyncSettings.get(pbxTenantId);
      // Membership changes of the groups in scope do not show on /users.
      for (const groupId of userSync.groupIds) {
        wanted.push({ kind: SubscriptionKind.Groups, resource: `groups/${groupId}`, pbxUserId: null });
      }
    }
    for (const user of await this.presence.scopedUsers(pbxTenantId)) {
      wanted.push({
        kind: SubscriptionKind.Events,
        resource: `users/${user.objectId}/events`,
        pbxUserId: user.pbxUserId,
      });
    }
    wanted.push(...(await this.wantedContacts(pbxTenantId, tenant)));
    return wanted;
  }

  /**
   * One `users/{id}/contacts` subscription per mailbox the contact sync feeds (docs/graph-notes.md §7, §9):
   * the personal mailboxes of synced users in scope and the shared mailboxes, as the last contact run left
   * them in its folder bookkeeping. A mailbox leaves that bookkeeping when a run stops syncing it, and so
   * loses its subscription; a feature switched off keeps the synced contacts but needs no notifications. The
   * subscription watches every folder of the mailbox (Outlook notifies contacts in any folder of the
   * mailbox).
   */
  private async wantedContacts(
    pbxTenantId: string,
    tenant: TenantSettingsEntity,
  ): Promise<WantedSubscription[]> {
    if (!tenant.enabled || (!tenant.features.personalContacts && !tenant.features.sharedMailboxes)) return [];
    const rows = await this.em
      .fork()
      .find(
        ContactFolderEntity,
        { pbxTenantId },
        { fields: ['owner', 'mailboxId'], orderBy: { mailboxId: 'asc', owner: 'asc' } },
      );
    const wanted = new Map<string, WantedSubscription>();
    for (const row of rows) {
      const company = row.owner === 'company';
      if (company ? !tenant.features.sharedMailboxes : !tenant.features.personalContacts) continue;
      const resource = `users/${row.mailboxId}/contacts`;
      if (wanted.has(resource)) continue;
      wanted.set(resource, {
        kind: SubscriptionKind.Contacts,
        resource,
        pbxUserId: company ? null : row.owner.slice('user:'.length),
      });
    }
    return [...wanted.values()];
  }
}
