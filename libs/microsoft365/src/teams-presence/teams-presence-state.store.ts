import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { type GraphTarget } from '../graph/graph-api.service';
import { type PresenceMemory } from '../presence/calendar-presence.machine';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { UserLinkEntity } from '../user-sync/user-link.entity';
import { LinkState } from '../user-sync/user-sync-plan';
import { type TeamsPresencePair } from './teams-presence-mapping';
import { TeamsPresenceStateEntity } from './teams-presence-state.entity';

/** A synced PBX user and the Microsoft 365 account it is linked to. */
export interface LinkedUser {
  pbxUserId: string;
  objectId: string;
}

/** Where to call Graph for a tenant, and our presence session id: the app's own client id (presence-setpresence). */
export interface PresenceTarget {
  target: GraphTarget;
  sessionId: string;
}

/** The per-user rows of Teams presence (`TeamsPresenceStateEntity`), the users it concerns and the Graph target. */
@Injectable()
export class TeamsPresenceStore {
  constructor(
    private readonly em: EntityManager,
    private readonly connection: TenantSettingsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async target(pbxTenantId: string): Promise<PresenceTarget> {
    const settings = await this.connection.requireConfigured(pbxTenantId);
    return { target: { pbxTenantId, cloud: settings.cloud }, sessionId: settings.applicationId };
  }

  /** Only users linked by user sync (synced, or bound by hand) have a Teams presence we know of. */
  async linkedUsers(pbxTenantId: string, pbxUserIds?: string[]): Promise<LinkedUser[]> {
    const links = await this.em.fork().find(UserLinkEntity, {
      pbxTenantId,
      state: LinkState.Active,
      pbxUserId: pbxUserIds ? { $in: pbxUserIds } : { $ne: null },
    });
    return links.flatMap((link) =>
      link.pbxUserId ? [{ pbxUserId: link.pbxUserId, objectId: link.objectId }] : [],
    );
  }

  async find(pbxTenantId: string, pbxUserId: string): Promise<TeamsPresenceStateEntity | null> {
    return this.em.fork().findOne(TeamsPresenceStateEntity, { pbxTenantId, pbxUserId });
  }

  async all(pbxTenantId: string): Promise<TeamsPresenceStateEntity[]> {
    return this.em.fork().find(TeamsPresenceStateEntity, { pbxTenantId });
  }

  /** Sessions of the tenant that expire by `before` (to renew or clear). */
  async sessionsExpiring(pbxTenantId: string, before: Date): Promise<TeamsPresenceStateEntity[]> {
    return this.em
      .fork()
      .find(TeamsPresenceStateEntity, { pbxTenantId, sessionExpiresAt: { $ne: null, $lte: before } });
  }

  /** Our session in Teams as it stands (null: none, or expired), so our own state read back is recognised. */
  static sessionOf(row: TeamsPresenceStateEntity | null | undefined, now: Date): TeamsPresencePair | null {
    if (!row?.sessionAvailability || !row.sessionActivity || !row.sessionExpiresAt) return null;
    if (row.sessionExpiresAt.getTime() <= now.getTime()) return null;
    return { availability: row.sessionAvailability, activity: row.sessionActivity };
  }

  static memoryOf(row: TeamsPresenceStateEntity | null | undefined): PresenceMemory | null {
    return row?.desired ? { desired: row.desired, applied: row.applied, restore: row.restore } : null;
  }

  /** Records the call state and our session (null: none held any more). */
  async saveSession(
    pbxTenantId: string,
    pbxUserId: string,
    change: {
      objectId: string;
      callState: string;
      session: TeamsPresencePair | null;
      expiresAt: Date | null;
    },
  ): Promise<void> {
    await this.write(pbxTenantId, pbxUserId, {
      objectId: change.objectId,
      callState: change.callState,
      sessionAvailability: change.session?.availability ?? null,
      sessionActivity: change.session?.activity ?? null,
      sessionExpiresAt: change.session ? change.expiresAt : null,
    });
  }

  /** Records what Teams → PBX did (null forgets it). */
  async saveMemory(pbxTenantId: string, pbxUserId: string, memory: PresenceMemory | null): Promise<void> {
    await this.write(pbxTenantId, pbxUserId, {
      desired: memory?.desired ?? null,
      applied: memory?.applied ?? null,
      restore: memory?.restore ?? null,
    });
  }

  /** Upserts the given columns only; a row left with neither a session nor a memory is removed. */
  private async write(
    pbxTenantId: string,
    pbxUserId: string,
    columns: Partial<Omit<TeamsPresenceStateEntity, 'pbxTenantId' | 'pbxUserId' | 'updatedAt'>>,
  ): Promise<void> {
    const em = this.em.fork();
    const updatedAt = this.clock.now();
    await em
      .createQueryBuilder(TeamsPresenceStateEntity)
      .insert({ pbxTenantId, pbxUserId, ...columns, updatedAt })
      .onConflict(['pbxTenantId', 'pbxUserId'])
      .merge([...(Object.keys(columns) as (keyof TeamsPresenceStateEntity)[]), 'updatedAt'])
      .execute();
    await em.nativeDelete(TeamsPresenceStateEntity, {
      pbxTenantId,
      pbxUserId,
      sessionExpiresAt: null,
      desired: null,
    });
  }
}
