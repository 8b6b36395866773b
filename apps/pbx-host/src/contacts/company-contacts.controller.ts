import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated } from '../auth/authenticated.decorator';
import { ApiInputAndLookup } from '../common/api-responses.decorator';
import { companyOwner } from './contact-owner';
import { ContactsService } from './contacts.service';
import { ContactListQuery } from './dto/contact-list.query';
import { CompanyContactParams } from './dto/contact-params';
import { ContactPageResponse, ContactResponse } from './dto/contact.response';
import { CreateContactDto } from './dto/create-contact.dto';
import { UpdateContactDto } from './dto/update-contact.dto';
import { TenantIdParams } from '../tenants/dto/tenant-id.params';
import { UserRole } from '../users/user-role';

/** The tenant's company address book: every member reads it, admins change it. */
@ApiTags('company contacts')
@Controller('api/tenants/:tenantId/contacts')
@ApiParam({ name: 'tenantId', format: 'uuid' })
export class CompanyContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'List the company contacts' })
  @ApiOkResponse({ type: ContactPageResponse })
  @ApiInputAndLookup('tenant')
  async list(
    @Param() { tenantId }: TenantIdParams,
    @Query() query: ContactListQuery,
  ): Promise<ContactPageResponse> {
    const page = await this.contacts.list(tenantId, companyOwner, query);
    return { ...page, items: page.items.map((contact) => ContactResponse.from(contact)) };
  }

  @Post()
  @Authenticated(UserRole.SystemAdmin, UserRole.TenantAdmin)
  @ApiOperation({ summary: 'Add a company contact (admins)' })
  @ApiCreatedResponse({ type: ContactResponse })
  @ApiInputAndLookup('tenant')
  async create(
    @Param() { tenantId }: TenantIdParams,
    @Body() body: CreateContactDto,
  ): Promise<ContactResponse> {
    return ContactResponse.from(await this.contacts.create(tenantId, companyOwner, body));
  }

  @Get(':contactId')
  @Authenticated()
  @ApiOperation({ summary: 'Get a company contact' })
  @ApiOkResponse({ type: ContactResponse })
  @ApiInputAndLookup('contact')
  async get(@Param() { tenantId, contactId }: CompanyContactParams): Promise<ContactResponse> {
    return ContactResponse.from(await this.contacts.get(tenantId, companyOwner, contactId));
  }

  @Patch(':contactId')
  @Authenticated(UserRole.SystemAdmin, UserRole.TenantAdmin)
  @ApiOperation({ summary: 'Change a company contact (admins)' })
  @ApiOkResponse({ type: ContactResponse })
  @ApiInputAndLookup('contact')
  async update(
    @Param() { tenantId, contactId }: CompanyContactParams,
    @Body() body: UpdateContactDto,
  ): Promise<ContactResponse> {
    return ContactResponse.from(await this.contacts.update(tenantId, companyOwner, contactId, body));
  }

  @Delete(':contactId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Authenticated(UserRole.SystemAdmin, UserRole.TenantAdmin)
  @ApiOperation({ summary: 'Delete a company contact (admins)' })
  @ApiNoContentResponse()
  @ApiInputAndLookup('contact')
  async delete(@Param() { tenantId, contactId }: CompanyContactParams): Promise<void> {
    await this.contacts.delete(tenantId, companyOwner, contactId);
  }
}
