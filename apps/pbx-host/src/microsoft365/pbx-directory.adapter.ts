import { EnsureEntityManagerContext } from '../common/ensure-context.decorator';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
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
import { jsonSet } from '../common/sql-array';
import { executeBound } from '../common/bound-statement';

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

/** The columns `findUsers` reads: a directory user, never the photo or the secrets. */
const DIRECTORY_COLUMNS = [
  'id',
  'extension',
  'enabled',
  'role',
  ...PROFILE_FIELDS.map((field) => PROFILE_COLUMNS[field].column),
].join(', ');

type DirectoryRow = Record<string, unknown> & { id: string; extension: string | null; enabled: boolean };

/**
 * The host's directory as the Microsoft 365 module sees it. Every method works on a batch in a constant number
 * of queries, and runs in the caller's request or transaction context, or in its own when called from a
 * schedule.
 */
@Injectable()
export class PbxDirectoryAdapter implements PbxDirectoryPort {
  constructor(
    // `em` by this name: @EnsureEntityManagerContext() looks for it.
    // Read by @EnsureEntityManagerContext().
    readonly em: EntityManager,
    private readonly sessions: SessionsService,
  ) {}

  /**
   * One statement whatever the batch size, each list bound as ONE jsonb parameter (`in ${jsonSet(...)}`, a
   * semi-join): probed through the primary key and the (tenant_id, lower(...)) indexes, or hashed when the
   * statistics do not know the tenant yet (a second tenant's first sync), never compared element by element
   * (see common/sql-array.ts). Rows, not entities: no identity map and no photo for a lookup.
   */
  @EnsureEntityManagerContext()
  async findUsers(pbxTenantId: string, lookup: PbxUserLookup): Promise<PbxDirectoryUser[]> {
    const ids = (lookup.ids ?? []).filter((id) => isUUID(id));
    const emails = distinctLowerCase(lookup.emails);
    const upns = distinctLowerCase(lookup.userPrincipalNames);
    if (!isUUID(pbxTenantId) || ids.length + emails.length + upns.length === 0) {
      return [];
    }
    const any: string[] = [];
    const values: string[] = [];
    for (const [condition, list] of [
      [`id in ${jsonSet('uuid')}`, ids],
      [`lower(email) in ${jsonSet('text')}`, emails],
      [`lower(user_principal_name) in ${jsonSet('text')}`, upns],
    ] as const) {
      if (list.length === 0) continue;
      any.push(condition);
      values.push(JSON.stringify(list));
    }
    const rows = await executeBound<DirectoryRow>(
      this.em,
      `select ${DIRECTORY_COLUMNS} from users where tenant_id = ?::uuid and (${any.join(' or ')}) order by id`,
      [pbxTenantId, ...values],
    );
    return rows.map(rowToDirectoryUser);
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
      // Bound, not written into the SQL text: the page's jsonb is half a megabyte (see executeBound).
      const inserted = await executeBound<{ id: string }>(
        this.em,
        `insert into users (id, tenant_id, username, extension, role, enabled, ${profileColumns.join(', ')}, created_at, updated_at)
         select x.id, ?::uuid, x.username, x.extension, ?::text, x.enabled, ${profileColumns.map((column) => `x.${column}`).join(', ')}, now(), now()
           from jsonb_to_recordset(?::jsonb) as x(${recordType})
          order by x.ord
         on conflict do nothing
         returning id`,
        [pbxTenantId, UserRole.User, JSON.stringify(rows)],
      );
      const created = new Set(inserted.map((row) => row.id));
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
    const rows = await executeBound<{ extension: string }>(
      this.em,
      `select extension from users where tenant_id = ?::uuid and extension in ${jsonSet('text')} order by extension`,
      [pbxTenantId, JSON.stringify(distinct)],
    );
    return rows.map((row) => row.extension);
  }

  @EnsureEntityManagerContext()
  async setPhotos(pbxTenantId: string, photos: PbxUserPhoto[]): Promise<void> {
    const valid = photos.filter((photo) => isUUID(photo.userId));
    if (!isUUID(pbxTenantId) || valid.length === 0) {
      return;
    }
    // The bytes as bound parameters of a VALUES list: node-postgres sends a Buffer in binary, where base64 in a
    // JSON parameter cost a third more bytes, JSON parsing and base64 decoding in PostgreSQL (measured with 2,000
    // photos of 40 KB in chunks of 100: 0.6-0.9 s against 1.8-2.2 s, and a quarter of the Node CPU). At most
    // PHOTOS_PER_STATEMENT rows a statement: PostgreSQL takes 65,535 parameters.
    for (let start = 0; start < valid.length; start += PHOTOS_PER_STATEMENT) {
      const chunk = valid.slice(start, start + PHOTOS_PER_STATEMENT);
      const params: unknown[] = [];
      for (const photo of chunk) {
        params.push(photo.userId, photo.photo?.data ?? null, photo.photo?.contentType ?? null);
      }
      await executeBound(
        this.em.fork({ keepTransactionContext: true }),
        `update users u
            set photo = v.photo,
                photo_content_type = v.content_type,
                photo_updated_at = case when v.photo is null then null else now() end,
                updated_at = now()
           from (values ${chunk.map(() => '(?::uuid, ?::bytea, ?::text)').join(', ')}) as v(id, photo, content_type)
          where u.tenant_id = ?::uuid and u.id = v.id`,
        [...params, pbxTenantId],
      );
    }
  }
}

/** Rows of one photo statement: three parameters each, far below PostgreSQL's 65,535. */
const PHOTOS_PER_STATEMENT = 1_000;

function rowToDirectoryUser(row: DirectoryRow): PbxDirectoryUser {
  const user: Record<string, unknown> = {
    id: row.id,
    // Directory users always belong to a tenant, and tenant users always have an extension.
    extension: row.extension ?? '',
    enabled: row.enabled,
    role: row['role'] === UserRole.TenantAdmin ? 'tenant-admin' : 'user',
  };
  for (const field of PROFILE_FIELDS) user[field] = row[PROFILE_COLUMNS[field].column] ?? null;
  user['businessPhones'] = row['business_phones'] ?? [];
  return user as unknown as PbxDirectoryUser;
}
