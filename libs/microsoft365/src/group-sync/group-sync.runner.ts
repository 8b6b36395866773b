import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { SyncJobs } from '../jobs/sync-jobs';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { type GraphTarget } from '../graph/graph-api.service';
import { PBX_GROUPS, type PbxGroupsPort } from '../ports/pbx-groups.port';
import { type SyncRunEntity } from '../runs/sync-run.entity';
import { RunMode, type RunTrigger, SyncKind } from '../runs/sync-run-status';
import { SyncRunExecutor } from '../runs/sync-run.executor';
import { SyncRunsService } from '../runs/sync-runs.service';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { UserLinkEntity } from '../user-sync/user-link.entity';
import { LinkState } from '../user-sync/user-sync-plan';
import { EntraGroupsReader } from './entra-groups.reader';
import { GroupLinkEntity } from './group-link.entity';
import { type EntraGroupState, type MemberLink } from './group-sync-plan';
import { GroupSyncSettingsEntity } from './group-sync-settings.entity';
import { GroupSyncSettingsService } from './group-sync-settings.service';
import { GroupSyncApplier } from './group-sync.applier';
import { bump, planLines, reportPlan } from './group-sync-report';
import { followDelta, type GroupDeltaEntry, planGroups } from './group-sync.planner';

export interface GroupRunRequest {
  trigger: RunTrigger;
  full?: boolean;
  dryRun?: boolean;
  /** The job the run executes in (set by the job handlers): a retried job resumes its run. */
  jobId?: string;
}

/** What Entra looks like to this run, and where the next delta round starts. */
interface EntraView {
  groups: Map<string, EntraGroupState>;
  deleted: Set<string>;
  deltaLink: string;
}

/**
 * Runs group syncs: reads the selected groups (in full the first time, afterwards through one `/groups/delta`
 * round), plans against the module's links and the user sync's links, and has the applier carry the plan out
 * through `PBX_GROUPS`. A dry run plans only and keeps the plan on the run. One run per tenant.
 */
@Injectable()
export class GroupSyncRunner {
  private readonly logger = new Logger(GroupSyncRunner.name);

  constructor(
    private readonly em: EntityManager,
    private readonly connection: TenantSettingsService,
    private readonly groupSettings: GroupSyncSettingsService,
    private readonly reader: EntraGroupsReader,
    private readonly applier: GroupSyncApplier,
    private readonly runs: SyncRunsService,
    private readonly executor: SyncRunExecutor,
    private readonly jobs: SyncJobs,
    @Optional() @Inject(PBX_GROUPS) private readonly port?: PbxGroupsPort | null,
  ) {}

  /** Refuses every group sync request of a PBX that provides no `PBX_GROUPS`. */
  requireAvailable(): void {
    if (this.port) return;
    throw new Microsoft365Exception(
      Microsoft365ErrorCode.FeatureUnavailable,
      'This PBX offers no ring groups to sync Entra groups into',
      { action: 'The PBX vendor provides the PBX_GROUPS port of @pbx/microsoft365 to offer group sync.' },
    );
  }

  get available(): boolean {
    return Boolean(this.port);
  }

  /** Records the run (and takes the tenant's lock), then queues it: whichever instance takes the job runs it. */
  async start(pbxTenantId: string, request: GroupRunRequest): Promise<SyncRunEntity> {
    const run = await this.prepare(pbxTenantId, { ...request, jobId: randomUUID() });
    await this.runs.queued(run, () =>
      this.jobs.startRun(SyncKind.Groups, run, {
        ...(request.full ? { full: true } : {}),
        ...(request.dryRun ? { dryRun: true } : {}),
      }),
    );
    return run;
  }

  /** Runs to the end; for the schedulers. */
  async runNow(pbxTenantId: string, request: GroupRunRequest): Promise<SyncRunEntity> {
    const run = await this.prepare(pbxTenantId, request);
    await this.execute(run, request);
    return run;
  }

  private async prepare(pbxTenantId: string, request: GroupRunRequest): Promise<SyncRunEntity> {
    this.requireAvailable();
    const connection = await this.connection.requireConfigured(pbxTenantId);
    if (!connection.enabled || !connection.features.groupSync) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.Disabled,
        connection.enabled
          ? 'Group sync is switched off for this tenant'
          : 'Microsoft 365 is switched off for this tenant',
        { action: 'Switch on features.groupSync in the Microsoft 365 settings first.' },
      );
    }
    const settings = await this.groupSettings.get(pbxTenantId);
    const reason = request.full
      ? 'A full run was requested'
      : settings.deltaLink
        ? null
        : 'First run: every selected group is read';
    return this.runs.begin({
      pbxTenantId,
      kind: SyncKind.Groups,
      trigger: request.trigger,
      mode: reason === null ? RunMode.Incremental : RunMode.Full,
      modeReason: reason,
      dryRun: request.dryRun ?? false,
      jobId: request.jobId ?? null,
    });
  }

  private async execute(run: SyncRunEntity, request: GroupRunRequest): Promise<void> {
    await this.executor.execute(run, 'Group sync', () => this.sync(run, request));
  }

  private async sync(run: SyncRunEntity, request: GroupRunRequest): Promise<void> {
    const { pbxTenantId } = run;
    const connection = await this.connection.requireConfigured(pbxTenantId);
    const target: GraphTarget = { pbxTenantId, cloud: connection.cloud };
    const settings = await this.groupSettings.get(pbxTenantId);
    const links = await this.links(pbxTenantId);
    const entra = await this.readEntra(run, target, settings, links, request.full ?? false);
    const selected = new Set(settings.groupIds);
    const plan = planGroups({
      selected,
      leaverPolicy: settings.leaverPolicy,
      links: new Map([...links].map(([id, link]) => [id, link])),
      groups: entra.groups,
      deleted: entra.deleted,
      userLinks: await this.userLinks(pbxTenantId, entra.groups),
    });
    reportPlan(run, plan);
    if (run.dryRun) {
      run.plan = planLines(plan);
      return;
    }
    await this.applier.apply(run, plan, entra.groups, links);
    // The delta link last: a run that failed before it reads the same changes again.
    await this.em.fork().transactional(async (em) => {
      const row =
        (await em.findOne(GroupSyncSettingsEntity, { pbxTenantId })) ??
        em.create(GroupSyncSettingsEntity, { pbxTenantId });
      row.deltaLink = entra.deltaLink;
    });
    run.plan = planLines(plan);
  }

  /**
   * The selected groups as Entra has them now. A group with a stored state follows the delta round (no request
   * at all when it did not change, none for a rename or a direct member change of a flat group); a newly selected
   * group, one that came back, or every group in a full run is read in full (2 requests + 1 per 999 members).
   */
  private async readEntra(
    run: SyncRunEntity,
    target: GraphTarget,
    settings: GroupSyncSettingsEntity,
    links: ReadonlyMap<string, GroupLinkEntity>,
    full: boolean,
  ): Promise<EntraView> {
    let changes: Map<string, GroupDeltaEntry> | null = null;
    let deltaLink: string | undefined;
    if (!full && settings.deltaLink) {
      try {
        ({ changes, deltaLink } = await this.reader.changesSince(target, settings.deltaLink));
      } catch (error) {
        if (!(error instanceof Microsoft365Exception) || error.code !== Microsoft365ErrorCode.DeltaExpired)
          throw error;
        this.logger.log(`PBX tenant ${run.pbxTenantId}: the groups delta link expired, every group is read`);
        run.mode = RunMode.Full;
        run.modeReason = 'The groups delta link expired (Microsoft keeps them 7 days)';
      }
    }
    // Before the full reads, so that what changes while they run is replayed by the next round.
    deltaLink ??= await this.reader.latestDeltaLink(target);
    const groups = new Map<string, EntraGroupState>();
    const deleted = new Set<string>();
    for (const [objectId, change] of changes ?? []) {
      if (change.removed && links.has(objectId)) deleted.add(objectId);
    }
    for (const objectId of settings.groupIds) {
      const link = links.get(objectId);
      const stored = changes && link?.closure ? storedState(link) : null;
      const outcome = stored && changes ? followDelta(stored, changes) : null;
      if (outcome?.kind === 'deleted') {
        deleted.add(objectId);
        continue;
      }
      if (stored && (outcome?.kind === 'unchanged' || outcome?.kind === 'updated')) {
        groups.set(objectId, outcome.kind === 'updated' ? outcome.state : stored);
        continue;
      }
      // A nested change: the name came with the delta, only the flattened members are listed again.
      const read =
        outcome?.kind === 'reread'
          ? await this.reread(target, objectId, outcome.displayName)
          : await this.reader.readGroup(target, objectId);
      bump(run.counts, 'groups.read');
      if (read) groups.set(objectId, read);
      else deleted.add(objectId);
    }
    run.progress.pagesRead = 1;
    run.progress.usersRead = [...groups.values()].reduce((sum, group) => sum + group.members.length, 0);
    await this.runs.save(run);
    return { groups, deleted, deltaLink };
  }

  private async reread(
    target: GraphTarget,
    objectId: string,
    displayName: string,
  ): Promise<EntraGroupState | null> {
    try {
      return { ...(await this.reader.readMembers(target, objectId)), displayName };
    } catch (error) {
      // expected: the group was deleted after the delta round ended; the next round reports it.
      if (error instanceof Microsoft365Exception && error.code === Microsoft365ErrorCode.GraphNotFound)
        return null;
      throw error;
    }
  }

  private async links(pbxTenantId: string): Promise<Map<string, GroupLinkEntity>> {
    const rows = await this.em.fork().find(GroupLinkEntity, { pbxTenantId });
    return new Map(rows.map((row) => [row.objectId, row]));
  }

  /** The user sync's links of the groups' members only: a big tenant's links are not read for a small group. */
  private async userLinks(
    pbxTenantId: string,
    groups: ReadonlyMap<string, EntraGroupState>,
  ): Promise<Map<string, MemberLink>> {
    const ids = [...new Set([...groups.values()].flatMap((group) => group.members))];
    const links = new Map<string, MemberLink>();
    for (let start = 0; start < ids.length; start += 10_000) {
      const rows = await this.em
        .fork()
        .find(
          UserLinkEntity,
          { pbxTenantId, objectId: { $in: ids.slice(start, start + 10_000) } },
          { fields: ['objectId', 'pbxUserId', 'state'] },
        );
      for (const row of rows) {
        links.set(row.objectId.toLowerCase(), {
          pbxUserId: row.pbxUserId,
          active: row.state === LinkState.Active,
        });
      }
    }
    return links;
  }
}

function storedState(link: GroupLinkEntity): EntraGroupState {
  return {
    objectId: link.objectId,
    displayName: link.entraName,
    members: link.entraMembers,
    closure: link.closure ?? [link.objectId],
  };
}
