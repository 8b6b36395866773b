import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, NotFoundException } from '@nestjs/common';
import { containsPattern } from '../common/like-pattern';
import { type Page } from '../common/page.response';
import { ContactEntity } from './contact.entity';
import { type ContactOwner, ownerFilter } from './contact-owner';
import { ContactOwnerKind } from './contact-owner-kind';
import { type ContactListQuery } from './dto/contact-list.query';
import { type CreateContactDto } from './dto/create-contact.dto';
import { type UpdateContactDto } from './dto/update-contact.dto';
import { TenantsService } from '../tenants/tenants.service';
import { UsersService } from '../users/users.service';

/** Personal and company address books, as the REST API manages them (contacts made by hand). */
@Injectable()
export class ContactsService {
  constructor(
    private readonly em: EntityManager,
    private readonly tenants: TenantsService,
    private readonly users: UsersService,
  ) {}

  /** 404 unless the tenant (and, for personal contacts, the user in it) exists. */
  private async requireOwner(tenantId: string, owner: ContactOwner): Promise<void> {
    if (owner.kind === ContactOwnerKind.User) {
      await this.users.get(tenantId, owner.userId);
    } else {
      await this.tenants.get(tenantId);
    }
  }

  async list(tenantId: string, owner: ContactOwner, query: ContactListQuery): Promise<Page<ContactEntity>> {
    await this.requireOwner(tenantId, owner);
    const pattern = query.search ? containsPattern(query.search) : undefined;
    const [items, total] = await this.em.findAndCount(
      ContactEntity,
      {
        ...ownerFilter(tenantId, owner),
        ...(pattern ? { $or: [{ displayName: { $ilike: pattern } }, { company: { $ilike: pattern } }] } : {}),
      },
      { orderBy: { displayName: 'asc', id: 'asc' }, limit: query.limit, offset: query.offset },
    );
    return { items, total, limit: query.limit, offset: query.offset };
  }

  async create(tenantId: string, owner: ContactOwner, input: CreateContactDto): Promise<ContactEntity> {
    await this.requireOwner(tenantId, owner);
    const contact = this.em.create(ContactEntity, {
      ...input,
      tenant: tenantId,
      ownerKind: owner.kind,
      ownerUser: owner.kind === ContactOwnerKind.User ? owner.userId : null,
    });
    await this.em.flush();
    return contact;
  }

  async get(tenantId: string, owner: ContactOwner, contactId: string): Promise<ContactEntity> {
    const contact = await this.em.findOne(ContactEntity, { ...ownerFilter(tenantId, owner), id: contactId });
    if (!contact) {
      throw new NotFoundException('No such contact in this address book');
    }
    return contact;
  }

  async update(
    tenantId: string,
    owner: ContactOwner,
    contactId: string,
    input: UpdateContactDto,
  ): Promise<ContactEntity> {
    const contact = await this.get(tenantId, owner, contactId);
    this.em.assign(contact, input);
    await this.em.flush();
    return contact;
  }

  async delete(tenantId: string, owner: ContactOwner, contactId: string): Promise<void> {
    const deleted = await this.em.nativeDelete(ContactEntity, {
      ...ownerFilter(tenantId, owner),
      id: contactId,
    });
    if (deleted === 0) {
      throw new NotFoundException('No such contact in this address book');
    }
  }
}
