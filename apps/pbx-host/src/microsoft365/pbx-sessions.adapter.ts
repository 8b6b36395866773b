import { EnsureEntityManagerContext } from '../common/ensure-context.decorator';
import { type FilterQuery, sql } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { SessionsService } from '../auth/sessions.service';
import { UserEntity } from '../users/user.entity';
import { UserRole } from '../users/user-role';
import {
  type PbxSession,
  type PbxSessionRequest,
  type PbxSessionsPort,
  type PbxSystemAdmin,
} from '@pbx/microsoft365';
import { isUUID } from 'class-validator';

/**
 * Issues the same bearer sessions as password login, for users who signed in with Microsoft. The session gets the
 * role the module asks for (it maps Entra roles/groups to PBX roles); a tenant-less request is a system admin's
 * own sign-in and is only granted to system admins.
 */
@Injectable()
export class PbxSessionsAdapter implements PbxSessionsPort {
  constructor(
    // Read by @EnsureEntityManagerContext().
    readonly em: EntityManager,
    private readonly sessions: SessionsService,
  ) {}

  @EnsureEntityManagerContext()
  async issueSession(request: PbxSessionRequest): Promise<PbxSession> {
    const user = isUUID(request.userId) ? await this.em.findOne(UserEntity, { id: request.userId }) : null;
    if (!user || !user.enabled) {
      throw new Error('Unknown or disabled PBX user');
    }
    if (request.pbxTenantId === null) {
      if (user.role !== UserRole.SystemAdmin) {
        throw new Error('Only system admins sign in without a PBX tenant');
      }
      return this.sessions.issue(user.id, UserRole.SystemAdmin, request.client);
    }
    if (user.tenant?.id !== request.pbxTenantId) {
      throw new Error('The user does not belong to this PBX tenant');
    }
    const role = request.role === 'tenant-admin' ? UserRole.TenantAdmin : UserRole.User;
    return this.sessions.issue(user.id, role, request.client);
  }

  @EnsureEntityManagerContext()
  async revokeSession(token: string): Promise<void> {
    await this.sessions.revoke(token);
  }

  @EnsureEntityManagerContext()
  async findSystemAdmins(lookup: {
    ids?: string[];
    userPrincipalNames?: string[];
  }): Promise<PbxSystemAdmin[]> {
    const ids = (lookup.ids ?? []).filter((id) => isUUID(id));
    const upns = [
      ...new Set((lookup.userPrincipalNames ?? []).map((upn) => upn.trim().toLowerCase())),
    ].filter(Boolean);
    const any: FilterQuery<UserEntity>[] = [
      ...(ids.length > 0 ? [{ id: { $in: ids } }] : []),
      ...(upns.length > 0 ? [{ [sql.lower('user_principal_name')]: { $in: upns } }] : []),
    ];
    if (any.length === 0) {
      return [];
    }
    const admins = await this.em.find(UserEntity, { tenant: null, role: UserRole.SystemAdmin, $or: any });
    return admins.map((admin) => ({
      id: admin.id,
      enabled: admin.enabled,
      userPrincipalName: admin.userPrincipalName,
    }));
  }
}
