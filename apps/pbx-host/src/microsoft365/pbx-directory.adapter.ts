import { type FilterQuery, sql } from '@mikro-orm/core';
import { EnsureEntityManagerContext } from '../common/ensure-context.decorator';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { SessionsService } from '../auth/sessions.service';
import { PROFILE_FIELDS, pickProfile, toDirectoryUser } from './directory-user.mapper';
import { syncedUsername } from './synced-username';
import { EXTENSION_PATTERN } from '../users/dto/user-fields';
import { UserEntity } from '../users/user.entity';
import { UserRole } from '../users/user-role';
import {
  type PbxDirectoryPage,
  type PbxDirectoryPort,
  type PbxDirectoryUser,
  type PbxUserCreate,
  type PbxUserCreateResult,
  type PbxUserLookup,
  type PbxUserPhoto,
  type PbxUserUpdate,
} from '@pbx/microsoft365';
import { isUUID } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { jsonArray } from '../common/sql-array';

const MAX_PAGE = 1000;

/** Column per profile field, for the batch insert below. */
const PROFILE_COLUMNS: Record<(typeof PROFILE_FIELDS)[number], { column: string; type: string }> = {
  displayName: { column: 'display_name', type: 'text' },
  firstName: { column: 'first_name', type: 'text' },
  lastName: { column: 'last_name', type: 'text' },
  email: { column: 'email', type: 'text' },
  userPrincipalName: { column: 'user_principal_name', type: 'text' },
  department: { column: 'department', type: 'text' },
  jobTitle: { column: 'job_title', type: 'text' },
  mobilePhone: { column: 'mobile_phone', type: 'text' },
  businessPhones: { column: 'business_phones', type: 'text[]' },
  officeLocation: { column: 'office_location', type: 'text' },
  preferredLanguage: { column: 'preferred_language', type: 'text' },
};

function distinctLowerCase(values: string[] | undefined): string[] {
  return [...new Set((values ?? []).map((value) => value.trim().toLowerCase()).filter(Boolean))];
}

function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined): string | undefined {
  if (!cursor) {
    return undefined;
  }
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return isUUID(id) ? id : undefined;
}

/**
 * The host's directory as the Microsoft 365 module sees it. Every method works on a batch in a constant number
 * of queries, and runs in the caller's request or transaction context, or in its own when called from a
 * schedule.
 */
/** Values per IN list of a user lookup (see findUsers). */
const LOOKUP_CHUNK = 200;

/** Users inserted by this process after which the planner statistics of `users` are refreshed. */
const ANALYZE_AFTER_INSERTS = 10_000;

@Injectable()
export class PbxDirectoryAdapter implements PbxDirectoryPort {
  constructor(
    // `em` by this name: @EnsureEntityManagerContext() looks for it.
    // Read by @EnsureEntityManagerContext().
    readonly em: EntityManager,
    private readonly sessions: SessionsService,
  ) {}

  private readonly logger = new Logger(PbxDirectoryAdapter.name);
  private insertedSinceAnalyze = 0;
  private analyzing: Promise<unknown> | undefined;

  /**
   * Fresh planner statistics after bulk inserts. A first sync grows `users` from a few rows to 100,000 within a
   * minute, before autovacuum's next analyze; with the statistics of the empty table PostgreSQL reads every user of
   * the tenant for each lookup, so the pages of one run get slower and slower. ANALYZE samples a bounded number of
   * rows; it runs on a connection of its own, outside the caller's transaction, and a failure only costs speed.
   */
  private refreshStatisticsAfter(inserted: number): void {
    this.insertedSinceAnalyze += inserted;
    if (this.insertedSinceAnalyze < ANALYZE_AFTER_INSERTS || this.analyzing) return;
    this.insertedSinceAnalyze = 0;
    this.analyzing = this.em
      .fork()
      .getConnection()
      .execute('analyze users')
      .catch((error: unknown) =>
        this.logger.debug(`analyze users failed: ${error instanceof Error ? error.name : 'unknown'}`),
      )
      .finally(() => (this.analyzing = undefined));
  }

  @EnsureEntityManagerContext()
  async findUsers(pbxTenantId: string, lookup: PbxUserLookup): Promise<PbxDirectoryUser[]> {
    const ids = (lookup.ids ?? []).filter((id) => isUUID(id));
    const emails = distinctLowerCase(lookup.emails);
    const upns = distinctLowerCase(lookup.userPrincipalNames);
    if (!isUUID(pbxTenantId) || ids.length + emails.length + upns.length === 0) {
      return [];
    }
    // Served by the primary key and the (tenant_id, lower(...)) indexes, in chunks: with a thousand values in one
    // IN list PostgreSQL's cost model prefers a sequential scan of the tenant's users (the lower() calls it
    // underprices), which made each page of a 100,000-user first sync slower than the last (0.4 ms per chunk of
    // 200 with the indexes, 230 ms per page of 999 without, measured).
    const byId = new Map<string, UserEntity>();
    for (let start = 0; start < Math.max(ids.length, emails.length, upns.length); start += LOOKUP_CHUNK) {
      const any: FilterQuery<UserEntity>[] = [];
      const chunk = (values: string[]) => values.slice(start, start + LOOKUP_CHUNK);
      if (chunk(ids).length > 0) any.push({ id: { $in: chunk(ids) } });
      if (chunk(emails).length > 0) any.push({ [sql.lower('email')]: { $in: chunk(emails) } });
      if (chunk(upns).length > 0) any.push({ [sql.lower('user_principal_name')]: { $in: chunk(upns) } });
      for (const user of await this.em.find(UserEntity, { tenant: pbxTenantId, $or: any })) {
        byId.set(user.id, user);
      }
    }
    return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(toDirectoryUser);
  }

  @EnsureEntityManagerContext()
  async listUsers(pbxTenantId: string, page: { after?: string; limit: number }): Promise<PbxDirectoryPage> {
    if (!isUUID(pbxTenantId)) {
      return { users: [] };
    }
    const limit = Math.max(1, Math.min(MAX_PAGE, Math.floor(page.limit)));
    const after = decodeCursor(page.after);
    const users = await this.em.find(
      UserEntity,
      { tenant: pbxTenantId, ...(after ? { id: { $gt: after } } : {}) },
      { orderBy: { id: 'asc' }, limit: limit + 1 },
    );
    const more = users.length > limit;
    const pageUsers = users.slice(0, limit);
    const last = pageUsers[pageUsers.length - 1];
    return {
      users: pageUsers.map(toDirectoryUser),
      ...(more && last ? { next: encodeCursor(last.id) } : {}),
    };
  }

  /**
   * One `INSERT ... ON CONFLICT DO NOTHING` for the whole batch: a row that hits a unique constraint (extension
   * or username) is skipped without aborting the others, and one more query tells which extensions were taken.
   */
  @EnsureEntityManagerContext()
  async createUsers(pbxTenantId: string, users: PbxUserCreate[]): Promise<PbxUserCreateResult[]> {
    const results = new Map<string, PbxUserCreateResult>();
    const rows: Record<string, unknown>[] = [];
    const tenantExists =
      isUUID(pbxTenantId) &&
      (await this.em.execute('select 1 from tenants where id = ?', [pbxTenantId])).length > 0;
    for (const [order, user] of users.entries()) {
      const problem = !tenantExists
        ? 'unknown PBX tenant'
        : !EXTENSION_PATTERN.test(user.extension)
          ? `extension must be 3 to 13 digits, got "${user.extension}"`
          : user.profile.displayName.trim() === ''
            ? 'displayName is empty'
            : undefined;
      if (problem) {
        results.set(user.key, { key: user.key, status: 'failed', reason: problem });
        continue;
      }
      const id = randomUUID();
      const profile = pickProfile(user.profile);
      rows.push({
        ord: order,
        key: user.key,
        id,
        username: syncedUsername(user.profile, user.extension),
        extension: user.extension,
        enabled: user.enabled,
        ...Object.fromEntries(
          PROFILE_FIELDS.map((field) => [PROFILE_COLUMNS[field].column, profile[field] ?? null]),
        ),
        business_phones: profile.businessPhones ?? [],
      });
    }

    if (rows.length > 0) {
      const profileColumns = PROFILE_FIELDS.map((field) => PROFILE_COLUMNS[field].column);
      const recordType = [
        'ord int',
        'id uuid',
        'username text',
        'extension text',
        'enabled boolean',
        ...PROFILE_FIELDS.map((field) => `${PROFILE_COLUMNS[field].column} ${PROFILE_COLUMNS[field].type}`),
      ].join(', ');
      const inserted = await this.em.execute<{ id: string }[]>(
        `insert into users (id, tenant_id, username, extension, role, enabled, ${profileColumns.join(', ')}, created_at, updated_at)
         select x.id, ?::uuid, x.username, x.extension, ?, x.enabled, ${profileColumns.map((column) => `x.${column}`).join(', ')}, now(), now()
           from jsonb_to_recordset(?::jsonb) as x(${recordType})
          order by x.ord
         on conflict do nothing
         returning id`,
        [pbxTenantId, UserRole.User, JSON.stringify(rows)],
      );
      const created = new Set(inserted.map((row) => row.id));
      this.refreshStatisticsAfter(created.size);
      const skipped = rows.filter((row) => !created.has(row.id as string));
      const taken = new Set(
        skipped.length === 0
          ? []
          : await this.findUsedExtensions(
              pbxTenantId,
              skipped.map((row) => row.extension as string),
            ),
      );
      for (const row of rows) {
        const key = row.key as string;
        if (created.has(row.id as string)) {
          results.set(key, { key, status: 'created', id: row.id as string });
        } else if (taken.has(row.extension as string)) {
          results.set(key, { key, status: 'extension-taken' });
        } else {
          results.set(key, {
            key,
            status: 'failed',
            reason: `username "${row.username as string}" is taken`,
          });
        }
      }
    }
    return users.map(
      (user) => results.get(user.key) ?? { key: user.key, status: 'failed', reason: 'not processed' },
    );
  }

  @EnsureEntityManagerContext()
  async updateUsers(pbxTenantId: string, updates: PbxUserUpdate[]): Promise<void> {
    const ids = updates.map((update) => update.id).filter((id) => isUUID(id));
    if (!isUUID(pbxTenantId) || ids.length === 0) {
      return;
    }
    const em = this.em.fork({ keepTransactionContext: true });
    const users = new Map(
      (await em.find(UserEntity, { tenant: pbxTenantId, id: { $in: ids } })).map((user) => [user.id, user]),
    );
    const disabled: string[] = [];
    for (const update of updates) {
      const user = users.get(update.id);
      // Users deleted in the PBX meanwhile are skipped: the next sync sees they are gone.
      if (!user) {
        continue;
      }
      em.assign(user, pickProfile(update.profile ?? {}));
      if (update.enabled !== undefined) {
        if (user.enabled && !update.enabled) {
          disabled.push(user.id);
        }
        user.enabled = update.enabled;
      }
    }
    await em.flush();
    for (const userId of disabled) {
      await this.sessions.revokeAllOfUser(userId);
    }
  }

  @EnsureEntityManagerContext()
  async deleteUsers(pbxTenantId: string, ids: string[]): Promise<void> {
    const valid = ids.filter((id) => isUUID(id));
    if (!isUUID(pbxTenantId) || valid.length === 0) {
      return;
    }
    await this.em.nativeDelete(UserEntity, { tenant: pbxTenantId, id: { $in: valid } });
  }

  @EnsureEntityManagerContext()
  async findUsedExtensions(pbxTenantId: string, candidates: string[]): Promise<string[]> {
    const distinct = [...new Set(candidates)];
    if (!isUUID(pbxTenantId) || distinct.length === 0) {
      return [];
    }
    // The host has no queues, ring groups or IVRs yet; when it does, they join this query.
    const rows = await this.em.execute<{ extension: string }[]>(
      `select extension from users where tenant_id = ? and extension = any(${jsonArray('text')}) order by extension`,
      [pbxTenantId, JSON.stringify(distinct)],
    );
    return rows.map((row) => row.extension);
  }

  @EnsureEntityManagerContext()
  async setPhotos(pbxTenantId: string, photos: PbxUserPhoto[]): Promise<void> {
    const ids = photos.map((photo) => photo.userId).filter((id) => isUUID(id));
    if (!isUUID(pbxTenantId) || ids.length === 0) {
      return;
    }
    const em = this.em.fork({ keepTransactionContext: true });
    const users = new Map(
      (await em.find(UserEntity, { tenant: pbxTenantId, id: { $in: ids } })).map((user) => [user.id, user]),
    );
    const now = new Date();
    for (const { userId, photo } of photos) {
      const user = users.get(userId);
      if (user) {
        user.photo = photo?.data ?? null;
        user.photoContentType = photo?.contentType ?? null;
        user.photoUpdatedAt = photo ? now : null;
      }
    }
    await em.flush();
  }
}
