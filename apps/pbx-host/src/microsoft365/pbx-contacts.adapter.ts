import { EnsureEntityManagerContext } from '../common/ensure-context.decorator';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ContactOwnerKind } from '../contacts/contact-owner-kind';
import { type PbxContact, type PbxContactOwner, type PbxContactsPort } from '@pbx/microsoft365';
import { isUUID } from 'class-validator';
import { jsonSet } from '../common/sql-array';
import { executeBound } from '../common/bound-statement';

/** The `externalSource` of every contact the Microsoft 365 module writes. */
export const MICROSOFT365_SOURCE = 'microsoft365';

/** Rows per INSERT: large batches stay well below PostgreSQL's limits and lock for short moments only. */
const CHUNK = 500;

/** Contact columns the module writes, with their PostgreSQL types. */
const COLUMNS = [
  ['display_name', 'text', 'displayName'],
  ['first_name', 'text', 'firstName'],
  ['last_name', 'text', 'lastName'],
  ['company', 'text', 'company'],
  ['job_title', 'text', 'jobTitle'],
  ['business_phones', 'text[]', 'businessPhones'],
  ['home_phones', 'text[]', 'homePhones'],
  ['mobile_phone', 'text', 'mobilePhone'],
  ['email_addresses', 'text[]', 'emailAddresses'],
] as const satisfies readonly (readonly [string, string, keyof PbxContact])[];

/** The key of the external id in a record of the upsert's jsonb; the columns' keys are their index in COLUMNS. */
const EXTERNAL_ID_KEY = 'e';
const NAMES = COLUMNS.map(([column]) => column).join(', ');
const RECORD_FIELDS = COLUMNS.map(([, type, field], index) => ({ key: `c${index}`, type, field }));
const RECORD_TYPE = [
  `${EXTERNAL_ID_KEY} text`,
  ...RECORD_FIELDS.map(({ key, type }) => `${key} ${type}`),
].join(', ');
const RECORD_VALUES = RECORD_FIELDS.map(({ key }) => `x.${key}`).join(', ');

/** A contact as one record of the upsert's jsonb (see RECORD_TYPE). */
function toRecord(contact: PbxContact): Record<string, unknown> {
  const record: Record<string, unknown> = { [EXTERNAL_ID_KEY]: contact.externalId };
  for (const { key, field } of RECORD_FIELDS) record[key] = contact[field];
  return record;
}

interface OwnerSql {
  /** Conflict target matching the partial unique index of this owner kind. */
  conflict: string;
  /** `and ...` restricting a query to this owner's contacts; bindings follow the tenant id. */
  where: string;
  bindings: string[];
  ownerUserId: string | null;
  /** A query that finds the owner in this very tenant (never write into another tenant's address book). */
  exists: string;
  existsBindings: string[];
}

/**
 * Writes the contacts the Microsoft 365 module syncs: in bulk, keyed by (owner, source, external id). Contacts
 * made by hand have no external source and are never listed, changed or deleted through this port.
 */
@Injectable()
export class PbxContactsAdapter implements PbxContactsPort {
  // `em` is read by @EnsureEntityManagerContext().
  constructor(readonly em: EntityManager) {}

  /** Undefined for ids that cannot name a tenant or user (not UUIDs): nothing of theirs exists. */
  private ownerSql(pbxTenantId: string, owner: PbxContactOwner): OwnerSql | undefined {
    if (!isUUID(pbxTenantId)) {
      return undefined;
    }
    if (owner.kind === 'company') {
      return {
        conflict: `(tenant_id, external_source, external_id) where owner_kind = 'company'`,
        where: `and owner_kind = 'company'`,
        bindings: [],
        ownerUserId: null,
        exists: 'select 1 from tenants where id = ?',
        existsBindings: [pbxTenantId],
      };
    }
    return isUUID(owner.userId)
      ? {
          conflict: `(tenant_id, owner_user_id, external_source, external_id) where owner_kind = 'user'`,
          where: `and owner_kind = 'user' and owner_user_id = ?`,
          bindings: [owner.userId],
          ownerUserId: owner.userId,
          exists: 'select 1 from users where id = ? and tenant_id = ?',
          existsBindings: [owner.userId, pbxTenantId],
        }
      : undefined;
  }

  @EnsureEntityManagerContext()
  async upsertContacts(pbxTenantId: string, owner: PbxContactOwner, contacts: PbxContact[]): Promise<void> {
    if (contacts.length === 0) {
      return;
    }
    const scope = this.ownerSql(pbxTenantId, owner);
    const unknownOwner = new Error(`Unknown PBX tenant or owner for contacts (tenant ${pbxTenantId})`);
    if (!scope) {
      throw unknownOwner;
    }
    // One row per external id (the last wins): ON CONFLICT DO UPDATE may not touch a row twice in a statement.
    const unique = [...new Map(contacts.map((contact) => [contact.externalId, contact])).values()];
    for (let start = 0; start < unique.length; start += CHUNK) {
      // Rows keyed by RECORD_KEYS, the new row's id made by PostgreSQL: a third of the bytes that keys named after
      // the columns and a client-made UUID cost (the contact sync of 200,000 contacts sends every byte through
      // this statement, issue 20).
      const rows = unique.slice(start, start + CHUNK).map(toRecord);
      // One statement per chunk: the owner check rides along (a page of the contact sync costs one round trip).
      // Unchanged contacts are not rewritten (the `where` of the update), so a sync of thousands of contacts
      // writes only what changed. Bound, not written into the SQL text (see executeBound).
      const [checked] = await executeBound<{ owner_found: boolean }>(
        this.em,
        `with owner as (select exists(${scope.exists}) as found),
              written as (
                insert into contacts (id, tenant_id, owner_kind, owner_user_id, external_source, external_id, ${NAMES}, created_at, updated_at)
                select gen_random_uuid(), ?::uuid, ?::text, ?::uuid, ?::text, x.${EXTERNAL_ID_KEY}, ${RECORD_VALUES}, now(), now()
                  from jsonb_to_recordset(?::jsonb) as x(${RECORD_TYPE}), owner
                 where owner.found
                on conflict ${scope.conflict}
                do update set ${COLUMNS.map(([column]) => `${column} = excluded.${column}`).join(', ')}, updated_at = now()
                where (${COLUMNS.map(([column]) => `contacts.${column}`).join(', ')}) is distinct from (${COLUMNS.map(([column]) => `excluded.${column}`).join(', ')})
                returning 1)
         select found as owner_found from owner`,
        [
          ...scope.existsBindings,
          pbxTenantId,
          owner.kind === 'company' ? ContactOwnerKind.Company : ContactOwnerKind.User,
          scope.ownerUserId,
          MICROSOFT365_SOURCE,
          JSON.stringify(rows),
        ],
      );
      if (!checked?.owner_found) {
        throw unknownOwner;
      }
    }
  }

  /** Scoped to the tenant and owner by its `where`: another tenant's contacts never match. */
  @EnsureEntityManagerContext()
  async deleteContacts(pbxTenantId: string, owner: PbxContactOwner, externalIds: string[]): Promise<void> {
    const scope = externalIds.length === 0 ? undefined : this.ownerSql(pbxTenantId, owner);
    if (!scope) {
      return;
    }
    await this.em.execute(
      `delete from contacts where tenant_id = ? ${scope.where} and external_source = ? and external_id in ${jsonSet('text')}`,
      [pbxTenantId, ...scope.bindings, MICROSOFT365_SOURCE, JSON.stringify(externalIds)],
    );
  }

  @EnsureEntityManagerContext()
  async listExternalIds(pbxTenantId: string, owner: PbxContactOwner): Promise<string[]> {
    const scope = this.ownerSql(pbxTenantId, owner);
    if (!scope) {
      return [];
    }
    const rows = await this.em.execute<{ external_id: string }[]>(
      `select external_id from contacts where tenant_id = ? ${scope.where} and external_source = ? order by external_id`,
      [pbxTenantId, ...scope.bindings, MICROSOFT365_SOURCE],
    );
    return rows.map((row) => row.external_id);
  }
}
