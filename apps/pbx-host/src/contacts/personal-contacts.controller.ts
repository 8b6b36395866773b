import {
  Body,
  Controller,
  Delete,
  ForbiddenException,
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
import { type Actor, canActForUser } from '../auth/actor';
import { Authenticated } from '../auth/authenticated.decorator';
import { CurrentActor } from '../auth/current-actor.decorator';
import { ApiInputAndLookup } from '../common/api-responses.decorator';
import { userOwner } from './contact-owner';
import { ContactsService } from './contacts.service';
import { ContactListQuery } from './dto/contact-list.query';
import { PersonalContactParams, UserContactsParams } from './dto/contact-params';
import { ContactPageResponse, ContactResponse } from './dto/contact.response';
import { CreateContactDto } from './dto/create-contact.dto';
import { UpdateContactDto } from './dto/update-contact.dto';

/** A user's personal address book: the user's own, and their tenant's admins'. */
@ApiTags('personal contacts')
@Controller('api/tenants/:tenantId/users/:userId/contacts')
@ApiParam({ name: 'tenantId', format: 'uuid' })
@ApiParam({ name: 'userId', format: 'uuid' })
@Authenticated()
export class PersonalContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Get()
  @ApiOperation({ summary: "List a user's personal contacts (the user, or admins)" })
  @ApiOkResponse({ type: ContactPageResponse })
  @ApiInputAndLookup('user')
  async list(
    @Param() { tenantId, userId }: UserContactsParams,
    @Query() query: ContactListQuery,
    @CurrentActor() actor: Actor,
  ): Promise<ContactPageResponse> {
    this.assertOwnBook(actor, tenantId, userId);
    const page = await this.contacts.list(tenantId, userOwner(userId), query);
    return { ...page, items: page.items.map((contact) => ContactResponse.from(contact)) };
  }

  @Post()
  @ApiOperation({ summary: 'Add a personal contact (the user, or admins)' })
  @ApiCreatedResponse({ type: ContactResponse })
  @ApiInputAndLookup('user')
  async create(
    @Param() { tenantId, userId }: UserContactsParams,
    @Body() body: CreateContactDto,
    @CurrentActor() actor: Actor,
  ): Promise<ContactResponse> {
    this.assertOwnBook(actor, tenantId, userId);
    return ContactResponse.from(await this.contacts.create(tenantId, userOwner(userId), body));
  }

  @Get(':contactId')
  @ApiOperation({ summary: 'Get a personal contact (the user, or admins)' })
  @ApiOkResponse({ type: ContactResponse })
  @ApiInputAndLookup('contact')
  async get(
    @Param() { tenantId, userId, contactId }: PersonalContactParams,
    @CurrentActor() actor: Actor,
  ): Promise<ContactResponse> {
    this.assertOwnBook(actor, tenantId, userId);
    return ContactResponse.from(await this.contacts.get(tenantId, userOwner(userId), contactId));
  }

  @Patch(':contactId')
  @ApiOperation({ summary: 'Change a personal contact (the user, or admins)' })
  @ApiOkResponse({ type: ContactResponse })
  @ApiInputAndLookup('contact')
  async update(
    @Param() { tenantId, userId, contactId }: PersonalContactParams,
    @Body() body: UpdateContactDto,
    @CurrentActor() actor: Actor,
  ): Promise<ContactResponse> {
    this.assertOwnBook(actor, tenantId, userId);
    return ContactResponse.from(await this.contacts.update(tenantId, userOwner(userId), contactId, body));
  }

  @Delete(':contactId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a personal contact (the user, or admins)' })
  @ApiNoContentResponse()
  @ApiInputAndLookup('contact')
  async delete(
    @Param() { tenantId, userId, contactId }: PersonalContactParams,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    this.assertOwnBook(actor, tenantId, userId);
    await this.contacts.delete(tenantId, userOwner(userId), contactId);
  }

  private assertOwnBook(actor: Actor, tenantId: string, userId: string): void {
    if (!canActForUser(actor, tenantId, userId)) {
      throw new ForbiddenException("Only the user and their tenant's admins reach these contacts");
    }
  }
}
