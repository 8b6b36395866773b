import {
  ArrayType,
  Check,
  Entity,
  Enum,
  Index,
  ManyToOne,
  type Opt,
  PrimaryKey,
  Property,
} from '@mikro-orm/core';
import { ContactOwnerKind } from './contact-owner-kind';
import { TenantEntity } from '../tenants/tenant.entity';
import { UserEntity } from '../users/user.entity';
import { randomUUID } from 'node:crypto';

/**
 * Personal (owner = user) and company (owner = tenant) contacts in one table. Contacts written by an integration
 * carry `externalSource` + `externalId`; contacts made by hand have neither, so integrations never see them.
 */
@Entity({ tableName: 'contacts' })
@Check({
  name: 'contacts_owner_check',
  expression: `("owner_kind" = 'user' and "owner_user_id" is not null) or ("owner_kind" = 'company' and "owner_user_id" is null)`,
})
// One row per external contact and owner. Partial indexes because company contacts have no owner user, and
// NULLs never collide in a unique index. Rows without an external id (made by hand) are not constrained.
@Index({
  name: 'contacts_company_external_unique',
  expression:
    'create unique index "contacts_company_external_unique" on "contacts" ("tenant_id", "external_source", "external_id") ' +
    `where "owner_kind" = 'company'`,
})
@Index({
  name: 'contacts_personal_external_unique',
  expression:
    'create unique index "contacts_personal_external_unique" on "contacts" ("tenant_id", "owner_user_id", "external_source", "external_id") ' +
    `where "owner_kind" = 'user'`,
})
export class ContactEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @ManyToOne({ entity: () => TenantEntity, deleteRule: 'cascade' })
  tenant!: TenantEntity;

  @Enum({ items: () => ContactOwnerKind, type: 'text' })
  ownerKind!: ContactOwnerKind;

  /** The owner of a personal contact; null for company contacts. */
  @ManyToOne({
    entity: () => UserEntity,
    nullable: true,
    deleteRule: 'cascade',
    index: 'contacts_owner_user_index',
  })
  ownerUser: UserEntity | null = null;

  @Property({ type: 'text' })
  displayName!: string;

  @Property({ type: 'text', nullable: true })
  firstName: string | null = null;

  @Property({ type: 'text', nullable: true })
  lastName: string | null = null;

  @Property({ type: 'text', nullable: true })
  company: string | null = null;

  @Property({ type: 'text', nullable: true })
  jobTitle: string | null = null;

  @Property({ type: ArrayType, columnType: 'text[]', default: '{}' })
  businessPhones: string[] & Opt = [];

  @Property({ type: ArrayType, columnType: 'text[]', default: '{}' })
  homePhones: string[] & Opt = [];

  @Property({ type: 'text', nullable: true })
  mobilePhone: string | null = null;

  @Property({ type: ArrayType, columnType: 'text[]', default: '{}' })
  emailAddresses: string[] & Opt = [];

  /** Which integration wrote the contact, e.g. `microsoft365`; null when made by hand. */
  @Property({ type: 'text', nullable: true })
  externalSource: string | null = null;

  /** The contact's id in that integration; null when made by hand. */
  @Property({ type: 'text', nullable: true })
  externalId: string | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
