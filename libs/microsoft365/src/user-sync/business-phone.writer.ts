import { type EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { GraphApi } from '../graph/graph-api.service';
import { GRAPH_BATCH_LIMIT, type GraphBatchResult } from '../graph/graph-batch';
import { SyncRunsService } from '../runs/sync-runs.service';
import { PBX_DIRECTORY, type PbxDirectoryPort } from '../ports/pbx-directory.port';
import { planPhoneWriteBack, usesDid } from './business-phone-write-back';
import { type Microsoft365User } from './microsoft365-user';
import { UserLinkEntity } from './user-link.entity';
import { LinkState } from './user-sync-plan';
import { type UserSyncRunContext } from './user-sync-run.context';

/** One PATCH of the run's write-back: the link it is for and the value. */
interface PhoneWrite {
  link: UserLinkEntity;
  value: string;
}

/**
 * Writes the PBX extension into each synced user's Entra business phone after their page is committed (Graph
 * I/O stays outside the page's transaction; the decision is `planPhoneWriteBack`, pure). `PATCH /users/{id}` with
 * `{ businessPhones: [value] }` needs User-Phone.ReadWrite.All or User.ReadWrite.All:
 * https://learn.microsoft.com/en-us/graph/api/user-update (docs/graph-notes.md §3.7). The PATCHes go 20 to a JSON
 * `$batch` (https://learn.microsoft.com/en-us/graph/json-batching, §5), so N users cost ceil(N/20) requests; a
 * batch answers each item on its own, and throttled or failed items are sent again by the one retry policy. A
 * missing permission stops the write-back for the run with one issue carrying Microsoft's code; any other refusal
 * is one issue for that user; the sync itself goes on.
 */
@Injectable()
export class BusinessPhoneWriter {
  private readonly logger = new Logger(BusinessPhoneWriter.name);

  constructor(
    private readonly graph: GraphApi,
    @Inject(PBX_DIRECTORY) private readonly directory: PbxDirectoryPort,
  ) {}

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
    const dids = usesDid(template) ? await this.dids(run.pbxTenantId, links) : {};
    const writes: PhoneWrite[] = [];
    for (const link of links) {
      const user = byId.get(link.objectId);
      const did = link.pbxUserId ? (dids[link.pbxUserId] ?? null) : null;
      const decision = user
        ? planPhoneWriteBack(user.businessPhones, link.extension, template, link.writtenBusinessPhone, did)
        : null;
      if (!decision) continue;
      if ('skip' in decision)
        bump(run.counts, decision.skip === 'no-did' ? 'businessPhone.noDid' : 'businessPhone.kept');
      else if ('write' in decision) writes.push({ link, value: decision.write });
      else link.writtenBusinessPhone = decision.remember;
    }
    // One batch after the other: after a batch refused for a missing permission, the next is not sent.
    for (let start = 0; start < writes.length && !context.phonesDenied; start += GRAPH_BATCH_LIMIT) {
      await this.patch(context, writes.slice(start, start + GRAPH_BATCH_LIMIT));
    }
    await em.flush();
  }

  /**
   * The page's users' DIDs from the host, one call. A host that stopped providing them (the template was saved
   * while it did) gives none: each user is counted as `businessPhone.noDid` and nothing is written.
   */
  private async dids(pbxTenantId: string, links: UserLinkEntity[]): Promise<Record<string, string | null>> {
    const ids = links.flatMap((link) => (link.pbxUserId ? [link.pbxUserId] : []));
    if (!this.directory.findDids || ids.length === 0) return {};
    return this.directory.findDids(pbxTenantId, ids);
  }

  /** Sends one batch; each written user's link remembers its value, each refusal is reported. */
  private async patch(context: UserSyncRunContext, writes: PhoneWrite[]): Promise<void> {
    const { run } = context;
    let results = new Map<string, GraphBatchResult>();
    let batchFailure: Microsoft365Exception | null = null;
    try {
      results = await this.graph.batchPatch(
        context.target,
        writes.map((write, index) => ({
          id: String(index),
          url: `/users/${encodeURIComponent(write.link.objectId)}`,
          body: { businessPhones: [write.value] },
        })),
      );
    } catch (error) {
      if (!(error instanceof Microsoft365Exception)) throw error;
      // The batch itself failed after its retries (5xx, network): each of its users is reported below, as a
      // single PATCH failing was before, and the sync goes on.
      this.logger.warn(
        `PBX tenant ${run.pbxTenantId}: a business phone batch of ${writes.length} failed (${error.code}, ${error.microsoft?.code ?? '-'})`,
      );
      batchFailure = error;
    }
    for (const [index, { link, value }] of writes.entries()) {
      const result = results.get(String(index));
      if (result?.ok) {
        link.writtenBusinessPhone = value;
        bump(run.counts, 'businessPhone.written');
        continue;
      }
      const error =
        result?.error ??
        batchFailure ??
        new Microsoft365Exception(
          Microsoft365ErrorCode.GraphRequestFailed,
          'Graph answered the batch without this item',
        );
      const denied = error.code === Microsoft365ErrorCode.PermissionMissing;
      // One issue for the run when the permission is missing: every item of the batch says the same.
      if (denied && context.phonesDenied) continue;
      this.report(context, link, error, denied);
    }
  }

  private report(
    context: UserSyncRunContext,
    link: UserLinkEntity,
    error: Microsoft365Exception,
    denied: boolean,
  ): void {
    const { run } = context;
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
  }
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
