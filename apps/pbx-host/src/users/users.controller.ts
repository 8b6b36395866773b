import {
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
  StreamableFile,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { type Actor, canActForUser } from '../auth/actor';
import { Authenticated } from '../auth/authenticated.decorator';
import { CurrentActor } from '../auth/current-actor.decorator';
import { ApiConflict, ApiInputAndLookup } from '../common/api-responses.decorator';
import { readBody } from '../common/read-body';
import { TenantIdParams } from '../tenants/dto/tenant-id.params';
import { CreateUserDto } from './dto/create-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserListQuery } from './dto/user-list.query';
import { UserParams } from './dto/user-params';
import { UserPageResponse, UserResponse } from './dto/user.response';
import { UserRole } from './user-role';
import { UsersService } from './users.service';
import { type Request } from 'express';

export const PHOTO_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
export const MAX_PHOTO_BYTES = 4 * 1024 * 1024;

const EXTENSION_CONFLICT = 'The extension or username is used by another user of this tenant';

@ApiTags('users')
@Controller('api/tenants/:tenantId/users')
@ApiParam({ name: 'tenantId', format: 'uuid' })
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Authenticated(UserRole.SystemAdmin, UserRole.TenantAdmin)
  @ApiOperation({ summary: 'Create a user with an extension (admins)' })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiInputAndLookup('tenant')
  @ApiConflict(EXTENSION_CONFLICT)
  async create(@Param() { tenantId }: TenantIdParams, @Body() body: CreateUserDto): Promise<UserResponse> {
    return UserResponse.from(await this.users.create(tenantId, body));
  }

  @Get()
  @Authenticated()
  @ApiOperation({ summary: "List the tenant's users by extension" })
  @ApiOkResponse({ type: UserPageResponse })
  @ApiInputAndLookup('tenant')
  async list(
    @Param() { tenantId }: TenantIdParams,
    @Query() query: UserListQuery,
  ): Promise<UserPageResponse> {
    const page = await this.users.list(tenantId, query);
    return { ...page, items: page.items.map((user) => UserResponse.from(user)) };
  }

  @Get(':userId')
  @Authenticated()
  @ApiOperation({ summary: 'Get a user' })
  @ApiOkResponse({ type: UserResponse })
  @ApiInputAndLookup('user')
  async get(@Param() { tenantId, userId }: UserParams): Promise<UserResponse> {
    return UserResponse.from(await this.users.get(tenantId, userId));
  }

  @Patch(':userId')
  @Authenticated(UserRole.SystemAdmin, UserRole.TenantAdmin)
  @ApiOperation({
    summary: 'Change a user (admins)',
    description: 'Changing the role or password, or disabling, signs the user out everywhere.',
  })
  @ApiOkResponse({ type: UserResponse })
  @ApiInputAndLookup('user')
  @ApiConflict(EXTENSION_CONFLICT)
  async update(
    @Param() { tenantId, userId }: UserParams,
    @Body() body: UpdateUserDto,
  ): Promise<UserResponse> {
    return UserResponse.from(await this.users.update(tenantId, userId, body));
  }

  @Delete(':userId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Authenticated(UserRole.SystemAdmin, UserRole.TenantAdmin)
  @ApiOperation({ summary: 'Delete a user with their personal contacts (admins)' })
  @ApiNoContentResponse()
  @ApiInputAndLookup('user')
  async delete(@Param() { tenantId, userId }: UserParams): Promise<void> {
    await this.users.delete(tenantId, userId);
  }

  @Post(':userId/enable')
  @HttpCode(HttpStatus.OK)
  @Authenticated(UserRole.SystemAdmin, UserRole.TenantAdmin)
  @ApiOperation({ summary: 'Enable a user (admins)' })
  @ApiOkResponse({ type: UserResponse })
  @ApiInputAndLookup('user')
  async enable(@Param() { tenantId, userId }: UserParams): Promise<UserResponse> {
    return UserResponse.from(await this.users.setEnabled(tenantId, userId, true));
  }

  @Post(':userId/disable')
  @HttpCode(HttpStatus.OK)
  @Authenticated(UserRole.SystemAdmin, UserRole.TenantAdmin)
  @ApiOperation({ summary: 'Disable a user and end their sessions (admins)' })
  @ApiOkResponse({ type: UserResponse })
  @ApiInputAndLookup('user')
  async disable(@Param() { tenantId, userId }: UserParams): Promise<UserResponse> {
    return UserResponse.from(await this.users.setEnabled(tenantId, userId, false));
  }

  @Get(':userId/photo')
  @Authenticated()
  @ApiOperation({ summary: "A user's profile photo" })
  @ApiProduces(...PHOTO_CONTENT_TYPES)
  @ApiOkResponse({ description: 'The picture', schema: { type: 'string', format: 'binary' } })
  @ApiInputAndLookup('user or photo')
  async getPhoto(@Param() { tenantId, userId }: UserParams): Promise<StreamableFile> {
    const photo = await this.users.getPhoto(tenantId, userId);
    return new StreamableFile(photo.data, {
      type: photo.contentType,
      length: photo.data.length,
      disposition: 'inline',
    });
  }

  @Put(':userId/photo')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Authenticated()
  @ApiOperation({ summary: "Set a user's profile photo (admins, or the user)" })
  @ApiConsumes(...PHOTO_CONTENT_TYPES)
  @ApiBody({ schema: { type: 'string', format: 'binary' }, description: `At most ${MAX_PHOTO_BYTES} bytes` })
  @ApiNoContentResponse()
  @ApiInputAndLookup('user')
  async setPhoto(
    @Param() { tenantId, userId }: UserParams,
    @CurrentActor() actor: Actor,
    @Headers('content-type') contentType: string | undefined,
    @Req() request: Request,
  ): Promise<void> {
    this.assertMayChangePhoto(actor, tenantId, userId);
    const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
    if (!PHOTO_CONTENT_TYPES.includes(type)) {
      throw new UnsupportedMediaTypeException(`The photo must be one of ${PHOTO_CONTENT_TYPES.join(', ')}`);
    }
    const data = await readBody(request, MAX_PHOTO_BYTES);
    await this.users.setPhoto(tenantId, userId, { contentType: type, data });
  }

  @Delete(':userId/photo')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Authenticated()
  @ApiOperation({ summary: "Remove a user's profile photo (admins, or the user)" })
  @ApiNoContentResponse()
  @ApiInputAndLookup('user')
  async deletePhoto(@Param() { tenantId, userId }: UserParams, @CurrentActor() actor: Actor): Promise<void> {
    this.assertMayChangePhoto(actor, tenantId, userId);
    await this.users.setPhoto(tenantId, userId, null);
  }

  private assertMayChangePhoto(actor: Actor, tenantId: string, userId: string): void {
    if (!canActForUser(actor, tenantId, userId)) {
      throw new ForbiddenException("Only admins and the user may change the user's photo");
    }
  }
}
