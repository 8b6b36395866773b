import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, NotFoundException } from '@nestjs/common';
import { hashPassword } from '../auth/password-hasher';
import { SessionsService } from '../auth/sessions.service';
import { containsPattern } from '../common/like-pattern';
import { type Page } from '../common/page.response';
import { TenantsService } from '../tenants/tenants.service';
import { type CreateUserDto } from './dto/create-user.dto';
import { type UpdateUserDto } from './dto/update-user.dto';
import { type UserListQuery } from './dto/user-list.query';
import { UserEntity } from './user.entity';
import { UserRole } from './user-role';

export interface UserPhoto {
  contentType: string;
  data: Buffer;
  updatedAt: Date | null;
}

/** A tenant's users, as the REST API manages them. */
@Injectable()
export class UsersService {
  constructor(
    private readonly em: EntityManager,
    private readonly tenants: TenantsService,
    private readonly sessions: SessionsService,
  ) {}

  async create(tenantId: string, input: CreateUserDto): Promise<UserEntity> {
    const tenant = await this.tenants.get(tenantId);
    const { password, voicemailPin, role, ...profile } = input;
    const user = this.em.create(UserEntity, {
      ...profile,
      tenant,
      role: role ?? UserRole.User,
      passwordHash: password === undefined ? null : await hashPassword(password),
      voicemailPinHash:
        voicemailPin === undefined || voicemailPin === null ? null : await hashPassword(voicemailPin),
    });
    await this.em.flush();
    return user;
  }

  async list(tenantId: string, query: UserListQuery): Promise<Page<UserEntity>> {
    await this.tenants.get(tenantId);
    const pattern = query.search ? containsPattern(query.search) : undefined;
    const [items, total] = await this.em.findAndCount(
      UserEntity,
      {
        tenant: tenantId,
        ...(pattern
          ? {
              $or: [
                { username: { $ilike: pattern } },
                { displayName: { $ilike: pattern } },
                { email: { $ilike: pattern } },
                { extension: { $like: pattern } },
              ],
            }
          : {}),
      },
      { orderBy: { extension: 'asc', id: 'asc' }, limit: query.limit, offset: query.offset },
    );
    return { items, total, limit: query.limit, offset: query.offset };
  }

  /** The user of this tenant, or 404 (also when the user exists in another tenant). */
  async get(tenantId: string, userId: string): Promise<UserEntity> {
    const user = await this.em.findOne(UserEntity, { id: userId, tenant: tenantId });
    if (!user) {
      throw new NotFoundException('No such user in this tenant');
    }
    return user;
  }

  async update(tenantId: string, userId: string, input: UpdateUserDto): Promise<UserEntity> {
    const user = await this.get(tenantId, userId);
    const { password, voicemailPin, ...fields } = input;
    const roleChanged = fields.role !== undefined && fields.role !== user.role;
    const disabled = fields.enabled === false && user.enabled;
    this.em.assign(user, fields);
    if (password !== undefined) {
      user.passwordHash = await hashPassword(password);
    }
    if (voicemailPin !== undefined) {
      user.voicemailPinHash = voicemailPin === null ? null : await hashPassword(voicemailPin);
    }
    await this.em.flush();
    // Sessions carry the role they were granted; changing what a user may do signs them out everywhere.
    if (roleChanged || disabled || password !== undefined) {
      await this.sessions.revokeAllOfUser(user.id);
    }
    return user;
  }

  async setEnabled(tenantId: string, userId: string, enabled: boolean): Promise<UserEntity> {
    return this.update(tenantId, userId, { enabled });
  }

  /** Deletes the user with their personal contacts, presence and sessions (foreign keys cascade). */
  async delete(tenantId: string, userId: string): Promise<void> {
    const deleted = await this.em.nativeDelete(UserEntity, { id: userId, tenant: tenantId });
    if (deleted === 0) {
      throw new NotFoundException('No such user in this tenant');
    }
  }

  async getPhoto(tenantId: string, userId: string): Promise<UserPhoto> {
    const user = await this.em.findOne(
      UserEntity,
      { id: userId, tenant: tenantId },
      { fields: ['photo', 'photoContentType', 'photoUpdatedAt'] },
    );
    if (!user) {
      throw new NotFoundException('No such user in this tenant');
    }
    if (!user.photo || !user.photoContentType) {
      throw new NotFoundException('This user has no photo');
    }
    return { contentType: user.photoContentType, data: user.photo, updatedAt: user.photoUpdatedAt };
  }

  async setPhoto(tenantId: string, userId: string, photo: { contentType: string; data: Buffer } | null) {
    const user = await this.get(tenantId, userId);
    user.photo = photo?.data ?? null;
    user.photoContentType = photo?.contentType ?? null;
    user.photoUpdatedAt = photo ? new Date() : null;
    await this.em.flush();
  }
}
