import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { CalendarBoundaryEntity } from './calendar-boundary.entity';
import { CalendarPresenceSettingsEntity } from './calendar-presence-settings.entity';

/**
 * What the calendar presence tick needs to know between ticks, kept in the database rather than in one instance's
 * memory: each calendar's next boundary and when every calendar of the tenant was last read. The tick runs once per
 * period for the whole PBX, on whichever instance takes it.
 */
@Injectable()
export class CalendarBoundaryStore {
  constructor(private readonly em: EntityManager) {}

  /** Each read calendar's next boundary (ms), by PBX user. */
  async boundaries(pbxTenantId: string): Promise<Map<string, number>> {
    const rows = await this.em.fork().find(CalendarBoundaryEntity, { pbxTenantId });
    return new Map(rows.map((row) => [row.pbxUserId, row.nextBoundaryAt.getTime()] as const));
  }

  /**
   * Records a pass: the boundaries of the calendars it read (`null`: the calendar could not be read, nothing is
   * known), and drops users no longer in scope. One statement for the upserts.
   */
  async record(pbxTenantId: string, read: Map<string, number | null>, inScope: Set<string>): Promise<void> {
    const em = this.em.fork();
    const known = [...read].filter((entry): entry is [string, number] => entry[1] !== null);
    const unknown = [...read].filter(([, boundary]) => boundary === null).map(([pbxUserId]) => pbxUserId);
    if (known.length > 0) {
      await em.upsertMany(
        CalendarBoundaryEntity,
        known.map(([pbxUserId, boundary]) =>
          Object.assign(new CalendarBoundaryEntity(), {
            pbxTenantId,
            pbxUserId,
            nextBoundaryAt: new Date(boundary),
          }),
        ),
      );
    }
    if (unknown.length > 0)
      await em.nativeDelete(CalendarBoundaryEntity, { pbxTenantId, pbxUserId: { $in: unknown } });
    await em.nativeDelete(CalendarBoundaryEntity, { pbxTenantId, pbxUserId: { $nin: [...inScope] } });
  }

  /** When every calendar of the tenant was last read, in ms; 0 = never. */
  async lastFullRead(pbxTenantId: string): Promise<number> {
    const row = await this.em
      .fork()
      .findOne(CalendarPresenceSettingsEntity, { pbxTenantId }, { fields: ['lastFullReadAt'] });
    return row?.lastFullReadAt?.getTime() ?? 0;
  }

  async recordFullRead(pbxTenantId: string, at: Date): Promise<void> {
    await this.em
      .fork()
      .createQueryBuilder(CalendarPresenceSettingsEntity)
      .insert({
        pbxTenantId,
        lastFullReadAt: at,
        updatedAt: at,
        selectedUsers: [],
        departments: [],
        mapping: {},
      })
      .onConflict('pbxTenantId')
      .merge(['lastFullReadAt'])
      .execute();
  }
}
