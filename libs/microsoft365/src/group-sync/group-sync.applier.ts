import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { PBX_GROUPS, type PbxGroupsPort } from '../ports/pbx-groups.port';
import { type ProvisioningLogDraft } from '../provisioning-log/provisioning-log-entry';
import { ProvisioningLogWriter } from '../provisioning-log/provisioning-log.writer';
import { type SyncRunEntity } from '../runs/sync-run.entity';
import { SyncRunsService } from '../runs/sync-runs.service';
import { GroupLinkEntity } from './group-link.entity';
import { groupSyncLog } from './group-sync-log-entries';
import { type EntraGroupState, GroupLinkState, type GroupPlan, type GroupPlanItem } from './group-sync-plan';

/** The run counter of each planned action. */
const COUNTER: Record<GroupPlanItem['action'], string> = {
  CREATE: 'groups.created',
  UPDATE: 'groups.updated',
  UNCHANGED: 'groups.unchanged',
  DISABLE: 'groups.disabled',
  DELETE: 'groups.deleted',
  KEEP: 'groups.kept',
};

/**
 * Carries out a group plan through the host's `PBX_GROUPS` port and writes the module's links. Each group is one
 * transaction (the host's writes join it when the host works on MikroORM's connection, see README "One page, one
 * transaction"), so a failure leaves that group as it was and the others go on. Each group's provisioning log line
 * is written in its transaction, so it exists exactly when what it describes was committed.
 */
@Injectable()
export class GroupSyncApplier {
  private readonly logger = new Logger(GroupSyncApplier.name);

  constructor(
    private readonly em: EntityManager,
    private readonly log: ProvisioningLogWriter,
    @Optional() @Inject(PBX_GROUPS) private readonly port?: PbxGroupsPort | null,
  ) {}

  /** Applies every item; `groups` is what this run saw in Entra, stored with the link for the next delta round. */
  async apply(
    run: SyncRunEntity,
    plan: GroupPlan,
    groups: ReadonlyMap<string, EntraGroupState>,
    links: ReadonlyMap<string, GroupLinkEntity>,
  ): Promise<void> {
    const port = this.port;
    if (!port) return;
    // The groups whose members this run looked at again: their skipped members are logged, an idle group's not.
    const applied = new Set<string>();
    for (const item of plan.items) {
      if (
        item.action === 'UNCHANGED' &&
        sameEntraState(links.get(item.objectId), groups.get(item.objectId))
      ) {
        bump(run.counts, COUNTER.UNCHANGED);
        continue;
      }
      applied.add(item.objectId);
      try {
        await this.em.fork().transactional(async (em) => {
          const pbxGroupId = await this.applyItem(
            em,
            port,
            run.pbxTenantId,
            item,
            groups.get(item.objectId),
            links.get(item.objectId),
          );
          const entry = pbxGroupId === null ? null : logEntry(item, pbxGroupId);
          if (entry) await this.log.write(em, run, [entry]);
        });
        bump(run.counts, COUNTER[item.action]);
        if (item.reEnable) bump(run.counts, 'groups.reEnabled');
      } catch (error) {
        await this.failed(run, item, error);
      }
    }
    await this.log.write(this.em.fork(), run, [
      ...plan.skipped
        .filter((skip) => applied.has(skip.groupObjectId))
        .map((skip) => groupSyncLog.skippedMember(skip)),
      ...plan.missing.map((objectId) => groupSyncLog.groupNotFound(objectId)),
    ]);
  }

  /** A group the PBX (or Graph) refused: an issue and a log line with the code, and the other groups go on. */
  private async failed(run: SyncRunEntity, item: GroupPlanItem, error: unknown): Promise<void> {
    const code = error instanceof Microsoft365Exception ? error.code : 'PBX_GROUPS_FAILED';
    const microsoftCode = error instanceof Microsoft365Exception ? (error.microsoft?.code ?? null) : null;
    this.logger.warn(
      `Group ${item.objectId} of PBX tenant ${run.pbxTenantId} not applied (${item.action}): ${code}` +
        (microsoftCode ? ` (Microsoft: ${microsoftCode})` : '') +
        (error instanceof Error ? ` (${error.name})` : ''),
    );
    bump(run.counts, 'groups.failed');
    SyncRunsService.addIssue(run, {
      objectId: item.objectId,
      userPrincipalName: null,
      severity: 'error',
      code,
      message: `The PBX did not take the change (${item.action}) of the group "${item.name}"`,
      action: 'The next run tries again; if it keeps failing, check the PBX log for this group.',
    });
    await this.log.write(this.em.fork(), run, [groupSyncLog.failed(item, code, microsoftCode)]);
  }

  private async applyItem(
    em: EntityManager,
    port: PbxGroupsPort,
    pbxTenantId: string,
    item: GroupPlanItem,
    group: EntraGroupState | undefined,
    stored: GroupLinkEntity | undefined,
  ): Promise<string | null> {
    const link = stored ? await em.findOneOrFail(GroupLinkEntity, { id: stored.id }) : undefined;
    switch (item.action) {
      case 'CREATE': {
        if (!group) return null;
        const members = item.members?.set ?? [];
        const created = await port.createGroup(pbxTenantId, {
          externalId: item.objectId,
          name: item.name,
          memberUserIds: members,
        });
        em.persist(
          Object.assign(new GroupLinkEntity(), {
            pbxTenantId,
            objectId: item.objectId,
            pbxGroupId: created.id,
            state: GroupLinkState.Active,
            pbxName: item.name,
            pbxMembers: members,
            ...entraFields(group),
          }),
        );
        return created.id;
      }
      case 'UPDATE':
      case 'UNCHANGED': {
        if (!link || !group) return null;
        if (item.reEnable) await port.setEnabled(pbxTenantId, link.pbxGroupId, true);
        if (item.rename) await port.renameGroup(pbxTenantId, link.pbxGroupId, item.rename.to);
        if (item.members) await port.setMembers(pbxTenantId, link.pbxGroupId, item.members.set);
        Object.assign(link, {
          state: GroupLinkState.Active,
          pbxName: item.name,
          pbxMembers: item.members?.set ?? link.pbxMembers,
          ...entraFields(group),
        });
        return link.pbxGroupId;
      }
      case 'DISABLE':
      case 'KEEP': {
        if (!link) return null;
        if (item.action === 'DISABLE') await port.setEnabled(pbxTenantId, link.pbxGroupId, false);
        // A group that comes back is read in full again: its stored members no longer follow the delta.
        Object.assign(link, {
          state: item.action === 'DISABLE' ? GroupLinkState.Disabled : GroupLinkState.Kept,
          closure: null,
          updatedAt: new Date(),
        });
        return link.pbxGroupId;
      }
      case 'DELETE': {
        if (!link) return null;
        await port.deleteGroup(pbxTenantId, link.pbxGroupId);
        em.remove(link);
        return link.pbxGroupId;
      }
    }
  }
}

function logEntry(item: GroupPlanItem, pbxGroupId: string): ProvisioningLogDraft | null {
  return item.action === 'DISABLE' || item.action === 'DELETE' || item.action === 'KEEP'
    ? groupSyncLog.left(item, pbxGroupId)
    : groupSyncLog.applied(item, pbxGroupId);
}

function entraFields(
  group: EntraGroupState,
): Pick<GroupLinkEntity, 'entraName' | 'entraMembers' | 'closure' | 'updatedAt'> {
  return {
    entraName: group.displayName,
    entraMembers: [...group.members],
    closure: [...group.closure],
    updatedAt: new Date(),
  };
}

/** Whether the link already holds what Entra said of the group (an idle run then writes nothing). */
function sameEntraState(link: GroupLinkEntity | undefined, group: EntraGroupState | undefined): boolean {
  if (!link || !group) return true;
  return (
    link.entraName === group.displayName &&
    JSON.stringify(link.entraMembers) === JSON.stringify(group.members) &&
    JSON.stringify(link.closure) === JSON.stringify(group.closure)
  );
}

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}
