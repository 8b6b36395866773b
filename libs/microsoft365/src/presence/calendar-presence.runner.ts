import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { withGraphFeature } from '../graph/graph-meter';
import { recordRunEnd } from '../metrics/microsoft365.metrics';
import { PBX_DIRECTORY, type PbxDirectoryPort } from '../ports/pbx-directory.port';
import { PBX_PRESENCE, type PbxPresencePort } from '../ports/pbx-presence.port';
import {
  decidePresence,
  desiredStatus,
  type PresenceMemory,
  type ScheduleItem,
} from './calendar-presence.machine';
import { effectiveStatusMapping } from './default-status-mapping';
import { type CalendarPresenceSettingsEntity } from './calendar-presence-settings.entity';
import { CalendarPresenceSettingsService } from './calendar-presence-settings.service';
import { CalendarScheduleReader } from './calendar-schedule.reader';
import { CalendarBoundaryStore } from './calendar-boundary.store';
import { UserPresenceStateEntity } from './user-presence-state.entity';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { UserLinkEntity } from '../user-sync/user-link.entity';
import { normaliseDepartment, SelectionMode } from '../user-sync/user-scope';
import { LinkState } from '../user-sync/user-sync-plan';

/** How far ahead each read looks; only events going on now count, the rest is there for the next boundary. */
const READ_AHEAD_MS = 60 * 60_000;

export interface PresenceUser {
  pbxUserId: string;
  objectId: string;
  /** The SMTP address getSchedule wants. */
  address: string;
}

export interface PresenceRefreshOptions {
  /** Read only the calendars of the PBX users this accepts; the others in scope are left as they are. */
  select?: (pbxUserId: string) => boolean;
  /** Record the pass as the tenant's poll (`lastPolledAt`); default: only full passes. */
  recordPoll?: boolean;
}

export interface PresenceRefreshResult {
  users: number;
  changed: number;
  failed: number;
}

/** Sets and restores extension statuses from the calendars of the synced users in the presence scope. */
@Injectable()
export class CalendarPresenceRunner {
  private readonly logger = new Logger(CalendarPresenceRunner.name);

  constructor(
    private readonly em: EntityManager,
    private readonly settings: CalendarPresenceSettingsService,
    private readonly connection: TenantSettingsService,
    private readonly schedules: CalendarScheduleReader,
    @Inject(PBX_DIRECTORY) private readonly directory: PbxDirectoryPort,
    @Inject(PBX_PRESENCE) private readonly presence: PbxPresencePort,
    private readonly boundaryStore: CalendarBoundaryStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The synced users whose calendars drive their status (empty when the feature is off). */
  async scopedUsers(pbxTenantId: string, settings?: CalendarPresenceSettingsEntity): Promise<PresenceUser[]> {
    if (!(await this.settings.enabled(pbxTenantId))) return [];
    const scope = settings ?? (await this.settings.get(pbxTenantId));
    const links = await this.em
      .fork()
      .find(UserLinkEntity, { pbxTenantId, state: LinkState.Active, pbxUserId: { $ne: null } });
    const ids = links.map((link) => link.pbxUserId).filter((id): id is string => id !== null);
    const users = new Map(
      ids.length === 0
        ? []
        : (await this.directory.findUsers(pbxTenantId, { ids })).map((user) => [user.id, user] as const),
    );
    const selected = new Set(scope.selectedUsers.map((u) => u.toLowerCase()));
    const departments = new Set(scope.departments.map(normaliseDepartment));
    const mode: SelectionMode = scope.selectionMode;
    const result: PresenceUser[] = [];
    for (const link of links) {
      const user = link.pbxUserId ? users.get(link.pbxUserId) : undefined;
      const address = user?.email ?? user?.userPrincipalName ?? link.userPrincipalName;
      if (!user || !user.enabled || !address) continue;
      const isSelected =
        selected.has(link.objectId.toLowerCase()) ||
        selected.has((link.userPrincipalName ?? user.userPrincipalName ?? '').toLowerCase());
      if (mode === SelectionMode.Include && !isSelected) continue;
      if (mode === SelectionMode.Exclude && isSelected) continue;
      if (departments.size > 0 && !departments.has(normaliseDepartment(user.department))) continue;
      result.push({ pbxUserId: user.id, objectId: link.objectId, address });
    }
    return result;
  }

  /**
   * One pass over a tenant's calendars: read them, decide per user, set statuses, remember what to restore. Users
   * who left the scope (or a feature switched off) are treated as free, so their status is restored. `select`
   * narrows the read to some users (an event notification names one calendar; watched calendars are skipped by the
   * regular poll); without it every calendar in scope is read and the pass counts as a full one.
   */
  async refresh(pbxTenantId: string, options: PresenceRefreshOptions = {}): Promise<PresenceRefreshResult> {
    const started = performance.now();
    const end = { feature: 'calendar-presence', mode: options.select ? 'partial' : 'full' } as const;
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const result = await withGraphFeature('calendar-presence', () => this.pass(pbxTenantId, options));
      recordRunEnd({
        ...end,
        outcome: result.failed > 0 ? 'completed_with_errors' : 'succeeded',
        seconds: seconds(),
        items: { read: result.users, changed: result.changed, failed: result.failed },
      });
      return result;
    } catch (error) {
      recordRunEnd({ ...end, outcome: 'failed', seconds: seconds() });
      throw error;
    }
  }

  private async pass(pbxTenantId: string, options: PresenceRefreshOptions): Promise<PresenceRefreshResult> {
    const settings = await this.settings.get(pbxTenantId);
    const inScope = await this.scopedUsers(pbxTenantId, settings);
    const full = options.select === undefined;
    const users = full ? inScope : inScope.filter((u) => options.select?.(u.pbxUserId));
    const em = this.em.fork();
    const memories = new Map(
      (await em.find(UserPresenceStateEntity, { pbxTenantId })).map((row) => [row.pbxUserId, row] as const),
    );
    const now = this.clock.now();
    let items = new Map<string, { status: string; start: Date; end: Date }[]>();
    let failed = 0;
    let lastError: string | null = null;
    if (users.length > 0) {
      const connection = await this.connection.requireConfigured(pbxTenantId);
      const read = await this.schedules.read(
        { pbxTenantId, cloud: connection.cloud },
        users.map((u) => u.address),
        now,
        new Date(now.getTime() + READ_AHEAD_MS),
      );
      items = read.items;
      failed = read.failed;
      lastError = read.lastError;
    }
    const mapping = effectiveStatusMapping(
      settings.mapping,
      Object.keys(settings.mapping).length > 0 ? [] : await this.presence.listStatuses(pbxTenantId),
    );
    const boundaries = new Map<string, number | null>();
    const candidates = new Map<string, string | null>();
    for (const user of users) {
      const schedule = items.get(user.address.toLowerCase());
      // Unknown calendar state: decide nothing rather than restore in the middle of a meeting.
      if (schedule === undefined) {
        boundaries.set(user.pbxUserId, null);
        continue;
      }
      candidates.set(user.pbxUserId, desiredStatus(schedule, now, mapping));
      boundaries.set(user.pbxUserId, nextBoundary(schedule, now));
    }
    const scoped = new Set(inScope.map((u) => u.pbxUserId));
    await this.boundaryStore.record(pbxTenantId, boundaries, scoped);
    for (const pbxUserId of memories.keys()) if (!scoped.has(pbxUserId)) candidates.set(pbxUserId, null);

    const statuses = await this.presence.getStatuses(pbxTenantId, [...candidates.keys()]);
    let changed = 0;
    for (const [pbxUserId, desired] of candidates) {
      const current = statuses.get(pbxUserId)?.status;
      if (current === undefined) continue;
      const row = memories.get(pbxUserId);
      const decision = decidePresence(row ? memoryOf(row) : null, current, desired);
      try {
        if (decision.set !== null) {
          await this.presence.setStatus(pbxTenantId, pbxUserId, decision.set);
          changed++;
        }
        await this.remember(pbxTenantId, pbxUserId, row ?? null, decision.memory);
      } catch (error) {
        failed++;
        lastError = error instanceof Error ? error.message : String(error);
        this.logger.warn(`Calendar presence of a user of PBX tenant ${pbxTenantId} failed: ${lastError}`);
      }
    }
    if (full) await this.boundaryStore.recordFullRead(pbxTenantId, now);
    if (options.recordPoll ?? full) await this.settings.recordPoll(pbxTenantId, now, lastError);
    return { users: users.length, changed, failed };
  }

  /** When every calendar of the tenant was last read, in ms; 0 = never. */
  lastFullRead(pbxTenantId: string): Promise<number> {
    return this.boundaryStore.lastFullRead(pbxTenantId);
  }

  /**
   * The users whose calendar was read and is known not to change before `at` (no event of the last read starts or
   * ends by then, and the read-ahead window still covers it), and those whose last read has an event starting or
   * ending by `at` (or whose read-ahead ran out).
   */
  async calendarsAt(pbxTenantId: string, at: Date): Promise<{ known: Set<string>; due: Set<string> }> {
    const known = new Set<string>();
    const due = new Set<string>();
    for (const [pbxUserId, boundary] of await this.boundaryStore.boundaries(pbxTenantId)) {
      (boundary > at.getTime() ? known : due).add(pbxUserId);
    }
    return { known, due };
  }

  private async remember(
    pbxTenantId: string,
    pbxUserId: string,
    previous: UserPresenceStateEntity | null,
    memory: PresenceMemory | null,
  ): Promise<void> {
    const em = this.em.fork();
    if (memory === null) {
      if (previous) await em.nativeDelete(UserPresenceStateEntity, { pbxTenantId, pbxUserId });
      return;
    }
    if (previous && sameMemory(memoryOf(previous), memory)) return;
    await em.upsert(
      UserPresenceStateEntity,
      Object.assign(new UserPresenceStateEntity(), {
        pbxTenantId,
        pbxUserId,
        ...memory,
        updatedAt: this.clock.now(),
      }),
    );
  }
}

/** The first start or end after `now` among the items; the end of the read-ahead window when there is none. */
export function nextBoundary(items: readonly ScheduleItem[], now: Date): number {
  const time = now.getTime();
  let next = time + READ_AHEAD_MS;
  for (const item of items) {
    for (const at of [item.start.getTime(), item.end.getTime()]) if (at > time && at < next) next = at;
  }
  return next;
}

function memoryOf(row: UserPresenceStateEntity): PresenceMemory {
  return { desired: row.desired, applied: row.applied, restore: row.restore };
}

function sameMemory(a: PresenceMemory, b: PresenceMemory): boolean {
  return a.desired === b.desired && a.applied === b.applied && a.restore === b.restore;
}
