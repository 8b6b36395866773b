import { Injectable } from '@nestjs/common';
import {
  type PbxDirectoryPage,
  type PbxDirectoryPort,
  type PbxDirectoryUser,
  type PbxUserCreate,
  type PbxUserCreateResult,
  type PbxUserLookup,
  type PbxUserPhoto,
  type PbxUserProfile,
  type PbxUserUpdate,
} from '@pbx/microsoft365';
import { HostDatabase, isNumericId, json } from '../database/host-database';

/** Profile field → column; the module owns these fields, everything else in `pbx_users` is the PBX's. */
const COLUMNS: Record<keyof PbxUserProfile, string> = {
  displayName: 'display_name',
  firstName: 'first_name',
  lastName: 'last_name',
  email: 'email',
  userPrincipalName: 'user_principal_name',
  department: 'department',
  jobTitle: 'job_title',
  mobilePhone: 'mobile_phone',
  businessPhones: 'business_phones',
  officeLocation: 'office_location',
  preferredLanguage: 'preferred_language',
};
const FIELDS = Object.keys(COLUMNS) as (keyof PbxUserProfile)[];
const RECORD = FIELDS.map((f) => `${COLUMNS[f]} ${f === 'businessPhones' ? 'jsonb' : 'text'}`).join(', ');

type UserRow = Record<string, unknown> & {
  id: string;
  extension: string | null;
  enabled: boolean;
  role: string;
};

function toUser(row: UserRow): PbxDirectoryUser {
  const profile = Object.fromEntries(
    FIELDS.map((f) => [f, row[COLUMNS[f]] ?? null]),
  ) as unknown as PbxUserProfile;
  return {
    ...profile,
    businessPhones: (row['business_phones'] as string[] | null) ?? [],
    id: String(row.id),
    extension: row.extension ?? '',
    enabled: row.enabled,
    role: row.role === 'tenant-admin' ? 'tenant-admin' : 'user',
  };
}

/** Every method is one or two statements per batch, whatever its size (see HostDatabase for transactions). */
@Injectable()
export class DirectoryAdapter implements PbxDirectoryPort {
  constructor(private readonly db: HostDatabase) {}

  async findUsers(pbxTenantId: string, lookup: PbxUserLookup): Promise<PbxDirectoryUser[]> {
    if (!isNumericId(pbxTenantId)) return [];
    const lower = (values?: string[]) => json((values ?? []).map((v) => v.toLowerCase()));
    const rows = await this.db.query<UserRow>(
      `select * from pbx_users where tenant_id = ? and (
         id::text in (select jsonb_array_elements_text(?::jsonb))
         or lower(email) in (select jsonb_array_elements_text(?::jsonb))
         or lower(user_principal_name) in (select jsonb_array_elements_text(?::jsonb)))
       order by id`,
      [pbxTenantId, json(lookup.ids ?? []), lower(lookup.emails), lower(lookup.userPrincipalNames)],
    );
    return rows.map(toUser);
  }

  async listUsers(pbxTenantId: string, page: { after?: string; limit: number }): Promise<PbxDirectoryPage> {
    if (!isNumericId(pbxTenantId)) return { users: [] };
    const limit = Math.max(1, Math.min(1000, page.limit));
    const rows = await this.db.query<UserRow>(
      'select * from pbx_users where tenant_id = ? and id > ? order by id limit ?',
      [pbxTenantId, isNumericId(page.after) ? page.after : '0', limit + 1],
    );
    const users = rows.slice(0, limit).map(toUser);
    return { users, ...(rows.length > limit ? { next: users[users.length - 1]?.id } : {}) };
  }

  /** One insert for the batch; a number another row holds already is skipped, not an error (the module retries). */
  async createUsers(pbxTenantId: string, users: PbxUserCreate[]): Promise<PbxUserCreateResult[]> {
    if (!isNumericId(pbxTenantId))
      return users.map(({ key }) => ({ key, status: 'failed', reason: 'no tenant' }));
    const records = users.map((u, ord) => ({
      ord,
      extension: u.extension,
      enabled: u.enabled,
      ...Object.fromEntries(FIELDS.map((f) => [COLUMNS[f], u.profile[f] ?? null])),
    }));
    const inserted = await this.db.query<{ id: string; extension: string }>(
      `insert into pbx_users (tenant_id, extension, enabled, ${FIELDS.map((f) => COLUMNS[f]).join(', ')})
       select ?, x.extension, x.enabled, ${FIELDS.map((f) => (f === 'businessPhones' ? `coalesce(x.business_phones, '[]')` : `x.${COLUMNS[f]}`)).join(', ')}
         from jsonb_to_recordset(?::jsonb) as x(ord int, extension text, enabled boolean, ${RECORD})
        order by x.ord
       on conflict (tenant_id, extension) do nothing
       returning id, extension`,
      [pbxTenantId, json(records)],
    );
    const created = new Map(inserted.map((row) => [row.extension, String(row.id)]));
    return users.map(({ key, extension }) => {
      const id = created.get(extension);
      return id ? { key, status: 'created', id } : { key, status: 'extension-taken' };
    });
  }

  async updateUsers(pbxTenantId: string, updates: PbxUserUpdate[]): Promise<void> {
    if (!isNumericId(pbxTenantId) || updates.length === 0) return;
    // Per field: keep the column unless the update names the field.
    const assignments = FIELDS.map((f) =>
      f === 'businessPhones'
        ? `business_phones = case when jsonb_exists(x.profile, '${f}') then coalesce(nullif(x.profile -> '${f}', 'null'), '[]') else u.business_phones end`
        : `${COLUMNS[f]} = case when jsonb_exists(x.profile, '${f}') then x.profile ->> '${f}' else u.${COLUMNS[f]} end`,
    );
    const rows = json(
      updates.map((u) => ({ id: u.id, profile: u.profile ?? {}, enabled: u.enabled ?? null })),
    );
    await this.db.query(
      `update pbx_users u set ${assignments.join(', ')}, enabled = coalesce(x.enabled, u.enabled)
         from jsonb_to_recordset(?::jsonb) as x(id bigint, profile jsonb, enabled boolean)
        where u.id = x.id and u.tenant_id = ?`,
      [rows, pbxTenantId],
    );
    // A user the directory disabled is signed out everywhere.
    await this.db.query(
      'delete from pbx_sessions where user_id in (select id from pbx_users where tenant_id = ? and not enabled)',
      [pbxTenantId],
    );
  }

  async deleteUsers(pbxTenantId: string, ids: string[]): Promise<void> {
    if (!isNumericId(pbxTenantId) || ids.length === 0) return;
    await this.db.query(
      'delete from pbx_users where tenant_id = ? and id::text in (select jsonb_array_elements_text(?::jsonb))',
      [pbxTenantId, json(ids)],
    );
  }

  async findUsedExtensions(pbxTenantId: string, candidates: string[]): Promise<string[]> {
    if (!isNumericId(pbxTenantId) || candidates.length === 0) return [];
    const rows = await this.db.query<{ extension: string }>(
      'select extension from pbx_users where tenant_id = ? and extension in (select jsonb_array_elements_text(?::jsonb))',
      [pbxTenantId, json(candidates)],
    );
    return rows.map((row) => row.extension);
  }

  async setPhotos(pbxTenantId: string, photos: PbxUserPhoto[]): Promise<void> {
    for (const { userId, photo } of photos) {
      await this.db.query('update pbx_users set photo = ?, photo_type = ? where tenant_id = ? and id = ?', [
        photo?.data ?? null,
        photo?.contentType ?? null,
        pbxTenantId,
        userId,
      ]);
    }
  }
}
