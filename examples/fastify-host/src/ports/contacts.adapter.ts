import { Injectable } from '@nestjs/common';
import { type PbxContact, type PbxContactOwner, type PbxContactsPort } from '@pbx/microsoft365';
import { HostDatabase, isNumericId, json } from '../database/host-database';

/** A user's personal contacts, or the tenant's company directory (owner_user_id null). */
const ownerId = (owner: PbxContactOwner): string | null => (owner.kind === 'user' ? owner.userId : null);

/** Only rows with an external id are the module's; contacts typed in by hand have none and are never touched. */
@Injectable()
export class ContactsAdapter implements PbxContactsPort {
  constructor(private readonly db: HostDatabase) {}

  async upsertContacts(pbxTenantId: string, owner: PbxContactOwner, contacts: PbxContact[]): Promise<void> {
    if (!isNumericId(pbxTenantId) || contacts.length === 0) return;
    await this.db.query(
      `insert into pbx_contacts (tenant_id, owner_user_id, external_id, data)
       select ?, ?::bigint, x ->> 'externalId', x from jsonb_array_elements(?::jsonb) as x
       on conflict (tenant_id, coalesce(owner_user_id, 0), external_id) do update set data = excluded.data`,
      [pbxTenantId, ownerId(owner), json(contacts)],
    );
  }

  async deleteContacts(pbxTenantId: string, owner: PbxContactOwner, externalIds: string[]): Promise<void> {
    if (!isNumericId(pbxTenantId) || externalIds.length === 0) return;
    await this.db.query(
      `delete from pbx_contacts where tenant_id = ? and coalesce(owner_user_id, 0) = coalesce(?::bigint, 0)
          and external_id in (select jsonb_array_elements_text(?::jsonb))`,
      [pbxTenantId, ownerId(owner), json(externalIds)],
    );
  }

  async listExternalIds(pbxTenantId: string, owner: PbxContactOwner): Promise<string[]> {
    if (!isNumericId(pbxTenantId)) return [];
    const rows = await this.db.query<{ external_id: string }>(
      `select external_id from pbx_contacts
        where tenant_id = ? and coalesce(owner_user_id, 0) = coalesce(?::bigint, 0) and external_id is not null`,
      [pbxTenantId, ownerId(owner)],
    );
    return rows.map((row) => row.external_id);
  }
}
