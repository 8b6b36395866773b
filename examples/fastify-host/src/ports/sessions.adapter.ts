import { Injectable } from '@nestjs/common';
import {
  type PbxSession,
  type PbxSessionRequest,
  type PbxSessionsPort,
  type PbxSystemAdmin,
} from '@pbx/microsoft365';
import { createHash, randomBytes } from 'node:crypto';
import { HostDatabase, isNumericId, json } from '../database/host-database';

const SESSION_HOURS = 12;
const hash = (token: string) => createHash('sha256').update(token).digest('base64url');

export interface HostSession {
  userId: string;
  tenantId: string | null;
  role: 'system-admin' | 'tenant-admin' | 'user';
}

/** This PBX's bearer sessions (only their hashes are stored), issued by password login or by Microsoft sign-in. */
@Injectable()
export class SessionsAdapter implements PbxSessionsPort {
  constructor(private readonly db: HostDatabase) {}

  /** The module asks after it validated the Microsoft sign-in; the PBX still checks its own rules. */
  async issueSession(request: PbxSessionRequest): Promise<PbxSession> {
    const [user] = isNumericId(request.userId)
      ? await this.db.query<{ tenant_id: string | null; role: string; enabled: boolean }>(
          'select tenant_id, role, enabled from pbx_users where id = ?',
          [request.userId],
        )
      : [];
    const tenantId =
      user?.tenant_id === null || user?.tenant_id === undefined ? null : String(user.tenant_id);
    if (!user?.enabled || tenantId !== request.pbxTenantId) throw new Error('Unknown or disabled PBX user');
    const role = tenantId === null ? 'system-admin' : request.role;
    return this.issue({ userId: request.userId, tenantId, role });
  }

  async issue(session: HostSession): Promise<PbxSession> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + SESSION_HOURS * 3600_000);
    await this.db.query(
      'insert into pbx_sessions (token_hash, user_id, tenant_id, role, expires_at) values (?, ?, ?, ?, ?)',
      [hash(token), session.userId, session.tenantId, session.role, expiresAt],
    );
    return { token, expiresAt };
  }

  async resolve(token: string | undefined): Promise<HostSession | null> {
    if (!token) return null;
    const [row] = await this.db.query<{
      user_id: string;
      tenant_id: string | null;
      role: HostSession['role'];
    }>('select user_id, tenant_id, role from pbx_sessions where token_hash = ? and expires_at > now()', [
      hash(token),
    ]);
    return row
      ? {
          userId: String(row.user_id),
          tenantId: row.tenant_id === null ? null : String(row.tenant_id),
          role: row.role,
        }
      : null;
  }

  async revokeSession(token: string): Promise<void> {
    await this.db.query('delete from pbx_sessions where token_hash = ?', [hash(token)]);
  }

  async findSystemAdmins(lookup: {
    ids?: string[];
    userPrincipalNames?: string[];
  }): Promise<PbxSystemAdmin[]> {
    const rows = await this.db.query<{ id: string; enabled: boolean; user_principal_name: string | null }>(
      `select id, enabled, user_principal_name from pbx_users where role = 'system-admin' and (
         id::text in (select jsonb_array_elements_text(?::jsonb))
         or lower(user_principal_name) in (select jsonb_array_elements_text(?::jsonb)))`,
      [json(lookup.ids ?? []), json((lookup.userPrincipalNames ?? []).map((upn) => upn.toLowerCase()))],
    );
    return rows.map((r) => ({
      id: String(r.id),
      enabled: r.enabled,
      userPrincipalName: r.user_principal_name,
    }));
  }
}
