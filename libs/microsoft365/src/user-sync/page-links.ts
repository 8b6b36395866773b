import { type EntityManager } from '@mikro-orm/postgresql';
import { executeBound } from '../common/bound-statement';
import { LinkOrigin, UserLinkEntity } from './user-link.entity';
import { LinkState, type UserLink } from './user-sync-plan';

/**
 * The links of one page of users, read once and handed from the lookup to the planner, the applier and the
 * photos; written back with one statement per kind of change. Rows, not entities: a page is up to 999 users, and
 * neither the identity map nor MikroORM's SQL text building is needed for them.
 *
 * Each list is bound as ONE jsonb parameter (`in (select jsonb_array_elements_text(...))`, `jsonb_to_recordset`):
 * one statement text whatever the page size. A lookup is a semi-join, never `= any(array(...))`: PostgreSQL compares
 * each row with an array built by a subquery element by element, and when the statistics do not know the tenant
 * (a second tenant's first sync in a table the first one filled) the planner scans the tenant's links by the
 * (pbx_tenant_id, state) index, believing them one row: 999 comparisons for each of 9,000 links, 150 ms a lookup,
 * growing with the tenant. As a semi-join the same lookup is hashed (3 ms at 10,000 links, 25 ms at 100,000), and
 * with statistics, or none at all (a first tenant), it probes the unique indexes (2 ms for 999 ids at 100,000
 * links): EXPLAIN ANALYZE of each case, PostgreSQL 18.
 */
export interface PageLink extends UserLink {
  photoETag: string | null;
  writtenBusinessPhone: string | null;
}

/** What the page's creates and matches leave in a link. */
export interface LinkWrite {
  objectId: string;
  pbxUserId: string;
  extension: string;
  userPrincipalName: string;
  /** CREATED: the sync created the PBX user (a returning user's link keeps its first origin). */
  origin: LinkOrigin.Created | LinkOrigin.Matched;
}

interface LinkRow {
  object_id: string;
  pbx_user_id: string | null;
  extension: string | null;
  state: LinkState;
  photo_etag: string | null;
  written_business_phone: string | null;
}

const IN_TEXT = 'in (select jsonb_array_elements_text(?::jsonb))';

/** The links of these object ids, by object id: one statement. */
export async function loadPageLinks(
  em: EntityManager,
  pbxTenantId: string,
  objectIds: readonly string[],
): Promise<Map<string, PageLink>> {
  const links = new Map<string, PageLink>();
  if (objectIds.length === 0) return links;
  const rows = await executeBound<LinkRow>(
    em,
    `select object_id, pbx_user_id, extension, state, photo_etag, written_business_phone
       from m365_user_links where pbx_tenant_id = ? and object_id ${IN_TEXT}`,
    [pbxTenantId, JSON.stringify(objectIds)],
  );
  for (const row of rows) {
    links.set(row.object_id, {
      objectId: row.object_id,
      pbxUserId: row.pbx_user_id,
      extension: row.extension,
      state: row.state,
      photoETag: row.photo_etag,
      writtenBusinessPhone: row.written_business_phone,
    });
  }
  return links;
}

/** Of these numbers, those a link holds (a leaver's reserved number included): one statement. */
export async function reservedExtensions(
  em: EntityManager,
  pbxTenantId: string,
  extensions: readonly string[],
): Promise<{ extension: string }[]> {
  if (extensions.length === 0) return [];
  return executeBound<{ extension: string }>(
    em,
    `select extension from m365_user_links where pbx_tenant_id = ? and extension ${IN_TEXT}`,
    [pbxTenantId, JSON.stringify(extensions)],
  );
}

/** Of these PBX user ids, those a link points to already (whatever its state): not candidates for a match. */
export async function linkedPbxUserIds(
  em: EntityManager,
  pbxTenantId: string,
  pbxUserIds: readonly string[],
): Promise<Set<string>> {
  if (pbxUserIds.length === 0) return new Set();
  const rows = await executeBound<{ pbx_user_id: string }>(
    em,
    `select pbx_user_id from m365_user_links where pbx_tenant_id = ? and pbx_user_id ${IN_TEXT}`,
    [pbxTenantId, JSON.stringify(pbxUserIds)],
  );
  return new Set(rows.map((row) => row.pbx_user_id));
}

/**
 * The page's new and matched links, one statement: a new user's link is inserted; a returning user's link (kept
 * with its number while they were gone) points at the new PBX user and forgets the old photo; a matched user's
 * link becomes MATCHED and keeps its photo ETag. Extensions matched users bring must be released first
 * (`releaseExtensions`): the unique (pbx_tenant_id, extension) index checks each row as it is written.
 */
export async function upsertLinks(
  em: EntityManager,
  pbxTenantId: string,
  links: readonly LinkWrite[],
  now: Date,
): Promise<void> {
  if (links.length === 0) return;
  await executeBound(
    em,
    `insert into m365_user_links as l (id, pbx_tenant_id, object_id, pbx_user_id, extension, state, origin,
            user_principal_name, photo_etag, created_at, updated_at)
     select gen_random_uuid(), ?::text, v.object_id, v.pbx_user_id, v.extension, ?::text, v.origin, v.upn, null,
            ?::timestamptz, ?::timestamptz
       from jsonb_to_recordset(?::jsonb) as v(object_id text, pbx_user_id text, extension text, origin text, upn text)
     on conflict (pbx_tenant_id, object_id) do update
        set pbx_user_id = excluded.pbx_user_id, extension = excluded.extension, state = excluded.state,
            user_principal_name = excluded.user_principal_name, updated_at = excluded.updated_at,
            origin = case when excluded.origin = ?::text then excluded.origin else l.origin end,
            photo_etag = case when excluded.origin = ?::text then l.photo_etag else null end`,
    [
      pbxTenantId,
      LinkState.Active,
      now.toISOString(),
      now.toISOString(),
      JSON.stringify(
        links.map((link) => ({
          object_id: link.objectId,
          pbx_user_id: link.pbxUserId,
          extension: link.extension,
          origin: link.origin,
          upn: link.userPrincipalName,
        })),
      ),
      LinkOrigin.Matched,
      LinkOrigin.Matched,
    ],
  );
}

/** A number the PBX gives to a matched user stops being reserved for a leaver who no longer has it. */
export async function releaseExtensions(
  em: EntityManager,
  pbxTenantId: string,
  claims: readonly { objectId: string; extension: string }[],
): Promise<void> {
  if (claims.length === 0) return;
  await executeBound(
    em,
    `update m365_user_links l set extension = null
       from jsonb_to_recordset(?::jsonb) as v(object_id text, extension text)
      where l.pbx_tenant_id = ? and l.extension = v.extension and l.object_id <> v.object_id`,
    [JSON.stringify(claims.map((c) => ({ object_id: c.objectId, extension: c.extension }))), pbxTenantId],
  );
}

/** Updated users' links are active again and carry their current UPN: one statement. */
export async function touchLinks(
  em: EntityManager,
  pbxTenantId: string,
  updates: readonly { objectId: string; userPrincipalName: string }[],
  now: Date,
): Promise<void> {
  if (updates.length === 0) return;
  await executeBound(
    em,
    `update m365_user_links l set state = ?, user_principal_name = v.upn, updated_at = ?::timestamptz
       from jsonb_to_recordset(?::jsonb) as v(object_id text, upn text)
      where l.pbx_tenant_id = ? and l.object_id = v.object_id`,
    [
      LinkState.Active,
      now.toISOString(),
      JSON.stringify(updates.map((u) => ({ object_id: u.objectId, upn: u.userPrincipalName }))),
      pbxTenantId,
    ],
  );
}

/**
 * Hands the tenant's active links to `each`, a slice at a time, so a run never holds them all: one scan through a
 * cursor, in a transaction of its own. Not a keyset query (`object_id > ? order by object_id limit ?`): without
 * statistics yet PostgreSQL sorts every matching link for each slice (70 to 180 ms a slice at 100,000 links;
 * EXPLAIN), where the cursor reads each row once.
 */
export async function forEachActiveLinkSlice(
  em: EntityManager,
  pbxTenantId: string,
  sliceSize: number,
  each: (links: (UserLink & { userPrincipalName: string | null })[]) => void,
): Promise<void> {
  await em.transactional(async (tem) => {
    await tem.execute(
      `declare m365_active_links no scroll cursor for
         select object_id, pbx_user_id, extension, state, user_principal_name as upn from m365_user_links
          where pbx_tenant_id = ? and state = ?`,
      [pbxTenantId, LinkState.Active],
    );
    for (;;) {
      const rows = await tem.execute<
        (Omit<LinkRow, 'photo_etag' | 'written_business_phone'> & { upn: string | null })[]
      >(`fetch ${Math.floor(sliceSize)} from m365_active_links`);
      if (rows.length === 0) break;
      each(
        rows.map((row) => ({
          objectId: row.object_id,
          pbxUserId: row.pbx_user_id,
          extension: row.extension,
          state: row.state,
          userPrincipalName: row.upn,
        })),
      );
    }
    await tem.execute('close m365_active_links');
  });
}

/** Every active link of a tenant, for an incremental run with a group scope (members against links). */
export async function activeLinks(
  em: EntityManager,
  pbxTenantId: string,
): Promise<(UserLink & { userPrincipalName: string | null })[]> {
  return em
    .createQueryBuilder(UserLinkEntity)
    .select(['objectId', 'pbxUserId', 'extension', 'state', 'userPrincipalName'])
    .where({ pbxTenantId, state: LinkState.Active })
    .execute<
      {
        objectId: string;
        pbxUserId: string | null;
        extension: string | null;
        state: LinkState;
        userPrincipalName: string | null;
      }[]
    >('all', true);
}
