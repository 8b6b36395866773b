import {
  ArrayType,
  Entity,
  Enum,
  Index,
  ManyToOne,
  type Opt,
  PrimaryKey,
  Property,
  Unique,
} from '@mikro-orm/core';
import { TenantEntity } from '../tenants/tenant.entity';
import { UserRole } from './user-role';
import { randomUUID } from 'node:crypto';

/**
 * A PBX user with an extension. The profile fields (name, email, UPN, phones, ...) are the ones the Microsoft 365
 * module may overwrite; username, role, extension, password, voicemail PIN and photo content type are PBX-owned.
 */
@Entity({ tableName: 'users' })
// Unique per tenant: the database, not a read-then-write check, is the final arbiter under concurrent writes.
@Unique({ name: 'users_tenant_extension_unique', properties: ['tenant', 'extension'] })
@Unique({ name: 'users_tenant_username_unique', properties: ['tenant', 'username'] })
// System admins have no tenant (NULL is never equal to NULL in a unique index), so they get their own.
@Index({
  name: 'users_system_username_unique',
  expression:
    'create unique index "users_system_username_unique" on "users" ("username") where "tenant_id" is null',
})
// Sign-in and sync look users up case-insensitively by email and UPN.
@Index({
  name: 'users_email_lower_index',
  expression: 'create index "users_email_lower_index" on "users" ("tenant_id", lower("email"))',
})
@Index({
  name: 'users_upn_lower_index',
  expression: 'create index "users_upn_lower_index" on "users" ("tenant_id", lower("user_principal_name"))',
})
export class UserEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  /** null for system admins. */
  @ManyToOne({ entity: () => TenantEntity, nullable: true, deleteRule: 'cascade' })
  tenant: TenantEntity | null = null;

  /** Login name, lower-case, unique per tenant. */
  @Property({ type: 'text' })
  username!: string;

  /** 3 to 13 digits, unique per tenant; null for system admins. */
  @Property({ type: 'text', nullable: true })
  extension: string | null = null;

  @Enum({ items: () => UserRole, type: 'text' })
  role!: UserRole;

  @Property({ type: 'text' })
  displayName!: string;

  @Property({ type: 'text', nullable: true })
  firstName: string | null = null;

  @Property({ type: 'text', nullable: true })
  lastName: string | null = null;

  @Property({ type: 'text', nullable: true })
  email: string | null = null;

  @Property({ type: 'text', nullable: true })
  userPrincipalName: string | null = null;

  @Property({ type: 'text', nullable: true })
  department: string | null = null;

  @Property({ type: 'text', nullable: true })
  jobTitle: string | null = null;

  @Property({ type: 'text', nullable: true })
  mobilePhone: string | null = null;

  @Property({ type: ArrayType, columnType: 'text[]', default: '{}' })
  businessPhones: string[] & Opt = [];

  @Property({ type: 'text', nullable: true })
  officeLocation: string | null = null;

  @Property({ type: 'text', nullable: true })
  preferredLanguage: string | null = null;

  @Property({ type: 'boolean', default: true })
  enabled: boolean & Opt = true;

  /** scrypt hash; null for users who only sign in with Microsoft. Never serialised. */
  @Property({ type: 'text', nullable: true, hidden: true })
  passwordHash: (string & Opt) | null = null;

  /** scrypt hash of the voicemail PIN: a PBX-owned field the Microsoft 365 module never touches. */
  @Property({ type: 'text', nullable: true, hidden: true })
  voicemailPinHash: (string & Opt) | null = null;

  /** Loaded only when asked for: lists never carry the picture. */
  @Property({ type: 'blob', nullable: true, hidden: true, lazy: true })
  photo: (Buffer & Opt) | null = null;

  @Property({ type: 'text', nullable: true })
  photoContentType: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  photoUpdatedAt: Date | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
