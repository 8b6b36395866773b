import { type EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { GraphApi } from '../graph/graph-api.service';
import { SyncRunsService } from '../runs/sync-runs.service';
import { planPhoneWriteBack } from './business-phone-write-back';
import { type Microsoft365User } from './microsoft365-user';
import { UserLinkEntity } from './user-link.entity';
import { LinkState } from './user-sync-plan';
import { type UserSyncRunContext } from './user-sync-run.context';

/**
 * Writes the PBX extension into each synced user's Entra business phone after their page is committed (Graph
 * I/O stays outside the page's transaction; the decision is `planPhoneWriteBack`, pure). `PATCH /users/{id}` with
 * `{ businessPhones: [value] }` needs User-Phone.ReadWrite.All or User.ReadWrite.All:
 * https://learn.microsoft.com/en-us/graph/api/user-update (docs/graph-notes.md §3.7). A missing permission stops
 * the write-back for the run with one issue carrying Microsoft's code; the sync itself goes on.
 */
@Injectable()
export class BusinessPhoneWriter {
  private readonly logger = new Logger(BusinessPhoneWriter.name);

  constructor(private readonly graph: GraphApi) {}

  async write(
    em: EntityManager,
    context: UserSyncRunContext,
    users: readonly Microsoft365User[],
  ): Promise<void> {
    const template = context.settings.businessPhoneTemplate;
    const { run } = context;
    if (!template || run.dryRun || context.phonesDenied || users.length === 0) return;
    const byId = new Map(users.map((user) => [user.id, user]));
    const links = await em.find(UserLinkEntity, {
      pbxTenantId: run.pbxTenantId,
      objectId: { $in: [...byId.keys()] },
      state: LinkState.Active,
    });
    for (const link of links) {
      const user = byId.get(link.objectId);
      const decision = user
        ? planPhoneWriteBack(user.businessPhones, link.extension, template, link.writtenBusinessPhone)
        : null;
      if (!decision) continue;
      if ('skip' in decision) {
        bump(run.counts, 'businessPhone.kept');
        continue;
      }
      if ('write' in decision) {
        const written = await this.patch(context, link, decision.write);
        if (written === 'stop') break;
        if (!written) continue;
      }
      link.writtenBusinessPhone = 'write' in decision ? decision.write : decision.remember;
    }
    await em.flush();
  }

  /** true when written; false for a refusal of this one user (reported); 'stop' when the permission is missing. */
  private async patch(
    context: UserSyncRunContext,
    link: UserLinkEntity,
    value: string,
  ): Promise<boolean | 'stop'> {
    const { run } = context;
    try {
      await this.graph.patch(context.target, `/users/${encodeURIComponent(link.objectId)}`, {
        businessPhones: [value],
      });
      bump(run.counts, 'businessPhone.written');
      return true;
    } catch (error) {
      if (!(error instanceof Microsoft365Exception)) throw error;
      const denied = error.code === Microsoft365ErrorCode.PermissionMissing;
      this.logger.warn(
        `PBX tenant ${run.pbxTenantId}: business phone of ${link.objectId} not written (${error.code}, ${error.microsoft?.code ?? '-'})`,
      );
      SyncRunsService.addIssue(run, {
        objectId: denied ? '-' : link.objectId,
        userPrincipalName: denied ? null : link.userPrincipalName,
        severity: 'error',
        code: denied ? 'BUSINESS_PHONE_PERMISSION_MISSING' : 'BUSINESS_PHONE_NOT_WRITTEN',
        message: `The extension was not written to the business phone in Entra: ${error.message} (Microsoft: ${error.microsoft?.code ?? '-'})`,
        action: denied
          ? 'Grant the application permission User-Phone.ReadWrite.All with admin consent in Entra, or turn the write-back off.'
          : 'Check the user in Entra (users synced from Active Directory have their phones set on-premises).',
      });
      if (denied) context.phonesDenied = true;
      return denied ? 'stop' : false;
    }
  }
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
