import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { invalidField } from '../common/invalid-input';
import { PBX_DIRECTORY, type PbxDirectoryPort } from '../ports/pbx-directory.port';
import { TenantSettingsEntity } from '../settings/tenant-settings.entity';
import { ExtensionAllocator } from './extension.allocator';
import { validateExtensionRange } from './extension-range';
import { readsExtensionAttributes } from './extension-source';
import { validatePhoneTemplate } from './business-phone-write-back';
import { normaliseDepartment, type UserScope } from './user-scope';
import { type UpdateUserSyncSettingsDto, type UserSyncSettingsView } from './user-sync-settings.dto';
import { UserSyncSettingsEntity } from './user-sync-settings.entity';
import { effectiveOwnership, FieldOwner, mergeOwnership, pbxOwnedFields } from './field-ownership';
import { UserLinkEntity } from './user-link.entity';
import { createHash } from 'node:crypto';

/** How many numbers of a range the settings count free, at most (20 windows of the allocator). */
const RANGE_NUMBERS_CHECKED = 10_000;

@Injectable()
export class UserSyncSettingsService {
  constructor(
    private readonly em: EntityManager,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PBX_DIRECTORY) private readonly directory: PbxDirectoryPort,
  ) {}

  /**
   * A configured extension range that overlaps numbers the PBX uses (or keeps for leavers) warns with how many
   * are left: the run skips those numbers, and a user beyond the last free one fails with EXTENSION_RANGE_FULL.
   * Counted with the allocator a run uses.
   */
  async extensionRangeWarnings(settings: UserSyncSettingsEntity): Promise<string[]> {
    if (!settings.extensionStart) return [];
    const range = { start: settings.extensionStart, end: settings.extensionEnd };
    const size = BigInt(range.end ?? '9'.repeat(range.start.length)) - BigInt(range.start) + 1n;
    const checked = Number(size < BigInt(RANGE_NUMBERS_CHECKED) ? size : BigInt(RANGE_NUMBERS_CHECKED));
    const allocator = new ExtensionAllocator(settings.pbxTenantId, range, this.directory);
    const free = (await allocator.take(this.em.fork(), checked)).length;
    if (free === checked) return [];
    const end = range.end ?? `${'9'.repeat(range.start.length)}`;
    const counted = BigInt(checked) < size ? ` (of its first ${checked} numbers)` : '';
    return [
      `The extension range ${range.start}–${end} overlaps ${checked - free} number(s) the PBX already uses or ` +
        `keeps for leavers${counted}: ${free} are free for synced users, and each user beyond them fails with ` +
        'EXTENSION_RANGE_FULL.',
    ];
  }

  /** The tenant's settings, or the defaults when it never saved any. */
  async get(pbxTenantId: string): Promise<UserSyncSettingsEntity> {
    return (
      (await this.em.fork().findOne(UserSyncSettingsEntity, { pbxTenantId })) ??
      Object.assign(new UserSyncSettingsEntity(), { pbxTenantId })
    );
  }

  async all(): Promise<UserSyncSettingsEntity[]> {
    return this.em.fork().find(UserSyncSettingsEntity, {});
  }

  async update(pbxTenantId: string, changes: UpdateUserSyncSettingsDto): Promise<UserSyncSettingsEntity> {
    return this.em.fork().transactional(async (em) => {
      let settings = await em.findOne(UserSyncSettingsEntity, { pbxTenantId });
      if (!settings) {
        settings = Object.assign(new UserSyncSettingsEntity(), { pbxTenantId });
        em.persist(settings);
      }
      const { fieldOwnership, ...rest } = changes;
      for (const [key, value] of Object.entries(rest) as [string, unknown][]) {
        if (value !== undefined) Object.assign(settings, { [key]: value });
      }
      if (fieldOwnership) {
        const before = settings.fieldOwnership;
        settings.fieldOwnership = mergeOwnership(before, fieldOwnership);
        if (before.photo === FieldOwner.Pbx && settings.fieldOwnership.photo !== FieldOwner.Pbx) {
          // The stored ETags say "this photo is in the PBX", which stopped being true while the PBX owned it:
          // forgetting them has the next run copy every photo from Microsoft 365 again.
          await em.nativeUpdate(UserLinkEntity, { pbxTenantId }, { photoETag: null });
        }
      }
      settings.selectedUsers = distinct(settings.selectedUsers);
      settings.departments = distinct(settings.departments.map((d) => d.trim()));
      settings.groupIds = distinct(settings.groupIds);
      const rangeProblem = settings.extensionStart
        ? validateExtensionRange({ start: settings.extensionStart, end: settings.extensionEnd })
        : settings.extensionEnd
          ? 'extensionEnd needs extensionStart'
          : null;
      if (rangeProblem) {
        throw invalidField(rangeProblem.split(' ')[0] ?? 'extensionStart', rangeProblem);
      }
      const phoneProblem =
        settings.businessPhoneTemplate === null
          ? null
          : validatePhoneTemplate(settings.businessPhoneTemplate, this.directory.findDids !== undefined);
      if (phoneProblem) throw invalidField('businessPhoneTemplate', `businessPhoneTemplate ${phoneProblem}`);
      settings.updatedAt = this.clock.now();
      // The connection test reports the permissions of what is switched on.
      const connection = await em.findOne(TenantSettingsEntity, { pbxTenantId });
      if (connection) {
        connection.features = {
          ...connection.features,
          photos: settings.syncPhotos,
          groupFilter: settings.groupIds.length > 0,
        };
      }
      return settings;
    });
  }

  /** `timeZone` is the schedule's effective time zone (see `ScheduleTimeZones`). */
  view(
    settings: UserSyncSettingsEntity,
    schedule: { timeZone: string; nextRunAt: Date | null; startsAt: Date | null },
    warnings: string[] = [],
  ): UserSyncSettingsView {
    return {
      pbxTenantId: settings.pbxTenantId,
      includeGuests: settings.includeGuests,
      selectionMode: settings.selectionMode,
      selectedUsers: settings.selectedUsers,
      departments: settings.departments,
      groupIds: settings.groupIds,
      extensionStart: settings.extensionStart,
      extensionEnd: settings.extensionEnd,
      extensionSource: settings.extensionSource,
      businessPhoneTemplate: settings.businessPhoneTemplate,
      linkExistingUsers: settings.linkExistingUsers,
      leaverPolicy: settings.leaverPolicy,
      syncPhotos: settings.syncPhotos,
      fieldOwnership: effectiveOwnership(settings.fieldOwnership),
      scheduleEnabled: settings.scheduleEnabled,
      scheduleCron: settings.scheduleCron,
      scheduleTimeZone: schedule.timeZone,
      scheduleTimeZoneSetting: settings.scheduleTimeZone,
      nextScheduledRunAt: schedule.nextRunAt?.toISOString() ?? null,
      nextScheduledStartAt: schedule.startsAt?.toISOString() ?? null,
      deletionGuardMaxUsers: settings.deletionGuardMaxUsers,
      deletionGuardMaxPercent: settings.deletionGuardMaxPercent,
      provisioningLogRetentionDays: settings.provisioningLogRetentionDays,
      lastFullRunAt: settings.lastFullRunAt?.toISOString() ?? null,
      incrementalReady: settings.deltaLink !== null && settings.deltaScope === scopeFingerprint(settings),
      warnings,
    };
  }
}

/** The planner's view of the scope settings; group members are resolved from Graph at run time. */
export function toUserScope(
  settings: UserSyncSettingsEntity,
  groupMembers: ReadonlySet<string> | null,
): UserScope {
  return {
    includeGuests: settings.includeGuests,
    selectionMode: settings.selectionMode,
    selectedUsers: new Set(settings.selectedUsers.map((u) => u.trim().toLowerCase())),
    departments: new Set(settings.departments.map(normaliseDepartment)),
    groupMembers,
  };
}

/**
 * Identifies the scope a delta link was taken under. Delta only reports users that changed: after a scope change,
 * users that did not change but now fall in or out of scope need a full pass.
 */
export function scopeFingerprint(settings: UserSyncSettingsEntity): string {
  const scope = {
    guests: settings.includeGuests,
    mode: settings.selectionMode,
    selected: [...settings.selectedUsers].map((u) => u.toLowerCase()).sort(),
    departments: [...settings.departments].map(normaliseDepartment).sort(),
    groups: [...settings.groupIds].sort(),
    photos: settings.syncPhotos,
    link: settings.linkExistingUsers,
    range: [settings.extensionStart, settings.extensionEnd],
    // A delta link taken before the attributes were selected would never bring them: reading them needs a full
    // run. Only then, so that tenants on the allocator keep their delta link.
    ...(readsExtensionAttributes(settings.extensionSource) ? { extensionAttributes: true } : {}),
    // Delta brings only users that changed: a new write-back template reaches every synced user by a full pass.
    ...(settings.businessPhoneTemplate ? { phoneTemplate: settings.businessPhoneTemplate } : {}),
    // Only when the PBX keeps a field, so that tenants that never chose keep their delta link. A field handed
    // back to Microsoft 365 is restored for every user by the full pass this triggers, not only for those
    // that change.
    ...(pbxOwnedFields(settings.fieldOwnership).size > 0
      ? { pbxOwned: [...pbxOwnedFields(settings.fieldOwnership)].sort() }
      : {}),
  };
  return createHash('sha256').update(JSON.stringify(scope)).digest('base64url');
}

function distinct(values: string[]): string[] {
  return [...new Set(values.filter((value) => value !== ''))];
}
