import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { type ProvisioningLogDraft } from '../provisioning-log/provisioning-log-entry';
import { SyncRunsService } from '../runs/sync-runs.service';
import { type FeatureSwitches } from '../settings/feature-switches';
import { UserLinkEntity } from '../user-sync/user-link.entity';
import { LinkState } from '../user-sync/user-sync-plan';
import { sharedMailboxNotSynced } from './contact-sync-log-entries';
import { ContactFolderEntity } from './contact-folder.entity';
import { mailboxKey, parseMailboxKey } from './contact-owner';
import { evaluateContactScope } from './contact-sync.planner';
import { RUN_LEVEL_CODES } from './contact-sync-mailbox.processor';
import { type ContactSyncRunContext, type SyncMailbox, bump } from './contact-sync-run.context';
import { type ContactSyncSettingsEntity } from './contact-sync-settings.entity';
import { toContactScope } from './contact-sync-settings.service';
import { OutlookContactsReader } from './outlook-contacts.reader';

/**
 * Which mailboxes a contact sync reads, and into which address book: the synced users in the contact sync's scope
 * (each into the user's own), the listed shared mailboxes that Microsoft 365 confirms as shared (into the company's),
 * the mailboxes synced before (to find what is no longer synced) and, for a notification, the notified mailboxes
 * that are still synced.
 */
@Injectable()
export class ContactMailboxSources {
  constructor(
    private readonly em: EntityManager,
    private readonly reader: OutlookContactsReader,
  ) {}

  /** Of the mailboxes a notification named, those synced before and still to be synced (scope, links, list). */
  async syncedMailboxes(
    pbxTenantId: string,
    mailboxIds: readonly string[],
    features: FeatureSwitches,
    settings: ContactSyncSettingsEntity,
  ): Promise<SyncMailbox[]> {
    const em = this.em.fork();
    const rows = await em.find(
      ContactFolderEntity,
      { pbxTenantId, mailboxId: { $in: [...mailboxIds] } },
      { fields: ['owner', 'mailboxId', 'userPrincipalName'] },
    );
    const listed = new Set(settings.sharedMailboxes.map((m) => m.trim().toLowerCase()));
    const scope = { ...toContactScope(settings), departments: new Set<string>() };
    // One query for the links of every personal mailbox notified (a row per folder, many folders per mailbox).
    const personal = rows.filter((row) => row.owner !== 'company').map((row) => row.mailboxId);
    const links =
      features.personalContacts && personal.length > 0
        ? await em.find(
            UserLinkEntity,
            { pbxTenantId, objectId: { $in: [...new Set(personal)] }, state: LinkState.Active },
            { fields: ['objectId', 'pbxUserId', 'userPrincipalName'] },
          )
        : [];
    const linkByMailbox = new Map(
      links.map((link) => [mailboxKey(`user:${link.pbxUserId ?? ''}`, link.objectId), link]),
    );
    const mailboxes = new Map<string, SyncMailbox>();
    for (const row of rows) {
      const key = mailboxKey(row.owner, row.mailboxId);
      if (mailboxes.has(key)) continue;
      const mailbox: SyncMailbox = {
        owner: row.owner,
        mailboxId: row.mailboxId,
        userPrincipalName: row.userPrincipalName,
      };
      if (row.owner === 'company') {
        if (features.sharedMailboxes && listed.has((row.userPrincipalName ?? '').toLowerCase()))
          mailboxes.set(key, mailbox);
        continue;
      }
      const link = linkByMailbox.get(key);
      if (!link) continue;
      const candidate = { objectId: link.objectId, userPrincipalName: link.userPrincipalName };
      if (evaluateContactScope(candidate, scope).inScope) mailboxes.set(key, mailbox);
    }
    return [...mailboxes.values()];
  }

  /** Synced users (links with a PBX user that are active) in the contact sync scope. */
  async personalMailboxes(
    context: ContactSyncRunContext,
    settings: ContactSyncSettingsEntity,
  ): Promise<SyncMailbox[]> {
    const { run } = context;
    const scope = toContactScope(settings);
    const links = await this.em
      .fork()
      .find(
        UserLinkEntity,
        { pbxTenantId: run.pbxTenantId, state: LinkState.Active, pbxUserId: { $ne: null } },
        { fields: ['objectId', 'pbxUserId', 'userPrincipalName'], orderBy: { objectId: 'asc' } },
      );
    const departments = scope.departments.size > 0 ? await this.reader.departments(context.target) : null;
    const mailboxes: SyncMailbox[] = [];
    for (const link of links) {
      const verdict = evaluateContactScope(
        {
          objectId: link.objectId,
          userPrincipalName: link.userPrincipalName,
          department: departments?.get(link.objectId) ?? null,
        },
        scope,
      );
      if (!verdict.inScope) {
        bump(run.counts, `outOfScope.${verdict.reason}`);
        continue;
      }
      mailboxes.push({
        owner: `user:${link.pbxUserId ?? ''}`,
        mailboxId: link.objectId,
        userPrincipalName: link.userPrincipalName,
      });
    }
    return mailboxes;
  }

  /**
   * The listed shared mailboxes that Microsoft 365 confirms as shared. A lookup that failed keeps what was synced
   * from that mailbox (the failure may be passing); a mailbox that is not shared is reported and not synced.
   */
  async sharedMailboxes(
    context: ContactSyncRunContext,
    settings: ContactSyncSettingsEntity,
    stored: ReadonlyMap<string, string | null>,
    protectedKeys: Set<string>,
    notSynced: ProvisioningLogDraft[],
  ): Promise<SyncMailbox[]> {
    if (settings.sharedMailboxes.length === 0) return [];
    const { run } = context;
    const { found, failed } = await this.reader.resolveMailboxes(context.target, settings.sharedMailboxes);
    for (const failure of failed) {
      const upn = failure.userPrincipalName.toLowerCase();
      for (const [key, storedUpn] of stored) {
        if (parseMailboxKey(key).owner === 'company' && storedUpn?.toLowerCase() === upn)
          protectedKeys.add(key);
      }
      const error = failure.error;
      if (RUN_LEVEL_CODES.has(error.code)) throw error;
      const issue = {
        objectId: '-',
        userPrincipalName: failure.userPrincipalName,
        severity: 'error' as const,
        code: error.code,
        message:
          error.code === Microsoft365ErrorCode.GraphNotFound
            ? `Shared mailbox not synced: Microsoft 365 has no mailbox ${failure.userPrincipalName}`
            : `Shared mailbox not synced: ${error.message}`,
        action:
          error.code === Microsoft365ErrorCode.GraphNotFound
            ? 'Check the address in the contact sync settings, or pick the mailbox from the candidates.'
            : error.code === Microsoft365ErrorCode.PermissionMissing
              ? 'Grant the application permissions MailboxSettings.Read and Contacts.Read with admin consent in Entra.'
              : error.action,
        ...(error.microsoft ? { microsoft: error.microsoft } : {}),
      };
      SyncRunsService.addIssue(run, issue);
      notSynced.push(sharedMailboxNotSynced({ ...failure, objectId: null }, true, error.code, issue.message));
      bump(run.counts, 'mailboxes.failed');
    }
    const mailboxes: SyncMailbox[] = [];
    for (const mailbox of found) {
      if (mailbox.userPurpose !== 'shared') {
        // Publishing a person's own mailbox to every user of the tenant would be a privacy incident.
        const message = `${mailbox.userPrincipalName} is not a shared mailbox (its purpose is ${mailbox.userPurpose ?? 'unknown'}): its contacts are not published as company contacts`;
        SyncRunsService.addIssue(run, {
          objectId: mailbox.objectId,
          userPrincipalName: mailbox.userPrincipalName,
          severity: 'error',
          code: 'NOT_A_SHARED_MAILBOX',
          message,
          action: 'Remove it from the shared mailboxes, or convert it to a shared mailbox in Exchange.',
        });
        notSynced.push(sharedMailboxNotSynced(mailbox, false, 'NOT_A_SHARED_MAILBOX', message));
        bump(run.counts, 'mailboxes.failed');
        continue;
      }
      mailboxes.push({
        owner: 'company',
        mailboxId: mailbox.objectId,
        userPrincipalName: mailbox.userPrincipalName.toLowerCase(),
      });
    }
    return mailboxes;
  }

  /** Mailboxes synced before, by owner + mailbox key, with the UPN last seen. */
  async storedMailboxes(pbxTenantId: string): Promise<Map<string, string | null>> {
    const rows = await this.em
      .fork()
      .find(ContactFolderEntity, { pbxTenantId }, { fields: ['owner', 'mailboxId', 'userPrincipalName'] });
    const stored = new Map<string, string | null>();
    for (const row of rows) stored.set(mailboxKey(row.owner, row.mailboxId), row.userPrincipalName);
    return stored;
  }
}
