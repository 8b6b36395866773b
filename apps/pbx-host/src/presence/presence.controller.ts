import { Body, Controller, ForbiddenException, Get, Param, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { type Actor, canActForUser } from '../auth/actor';
import { Authenticated } from '../auth/authenticated.decorator';
import { CurrentActor } from '../auth/current-actor.decorator';
import { ApiInputAndLookup } from '../common/api-responses.decorator';
import { PageQueryDto } from '../common/page-query.dto';
import { PresencePageResponse, PresenceResponse } from './dto/presence.response';
import { SetPresenceDto } from './dto/set-presence.dto';
import { PresenceService } from './presence.service';
import { TenantIdParams } from '../tenants/dto/tenant-id.params';
import { UserParams } from '../users/dto/user-params';

@ApiTags('presence')
@Controller('api/tenants/:tenantId')
@ApiParam({ name: 'tenantId', format: 'uuid' })
@Authenticated()
export class PresenceController {
  constructor(private readonly presence: PresenceService) {}

  @Get('presence')
  @ApiOperation({ summary: "The tenant's users' presence, by extension" })
  @ApiOkResponse({ type: PresencePageResponse })
  @ApiInputAndLookup('tenant')
  list(@Param() { tenantId }: TenantIdParams, @Query() query: PageQueryDto): Promise<PresencePageResponse> {
    return this.presence.list(tenantId, query);
  }

  @Get('users/:userId/presence')
  @ApiParam({ name: 'userId', format: 'uuid' })
  @ApiOperation({ summary: "A user's presence" })
  @ApiOkResponse({ type: PresenceResponse })
  @ApiInputAndLookup('user')
  get(@Param() { tenantId, userId }: UserParams): Promise<PresenceResponse> {
    return this.presence.get(tenantId, userId);
  }

  @Put('users/:userId/presence')
  @ApiParam({ name: 'userId', format: 'uuid' })
  @ApiOperation({ summary: "Set a user's presence (the user, or admins)" })
  @ApiOkResponse({ type: PresenceResponse })
  @ApiInputAndLookup('user')
  async set(
    @Param() { tenantId, userId }: UserParams,
    @Body() body: SetPresenceDto,
    @CurrentActor() actor: Actor,
  ): Promise<PresenceResponse> {
    if (!canActForUser(actor, tenantId, userId)) {
      throw new ForbiddenException("Only the user and their tenant's admins set this user's presence");
    }
    return this.presence.set(tenantId, userId, body.status);
  }
}
