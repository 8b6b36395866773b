import { Body, Controller, ForbiddenException, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { TeamsPresenceService } from '@pbx/microsoft365';
import { type Actor, canActForUser } from '../auth/actor';
import { Authenticated } from '../auth/authenticated.decorator';
import { CurrentActor } from '../auth/current-actor.decorator';
import { ApiInputAndLookup } from '../common/api-responses.decorator';
import { UserParams } from '../users/dto/user-params';
import { UsersService } from '../users/users.service';
import { CallStatesService } from './call-states.service';
import { CallStateResponse, ReportCallStateDto } from './dto/call-state.dto';

/**
 * Where this PBX's call handling (or a softphone) reports a user's calls; a real PBX calls the module from its own
 * call engine instead. Each change goes on to Teams presence (PBX → Teams), which never fails the call.
 */
@ApiTags('calls')
@Controller('api/tenants/:tenantId/users/:userId/call-state')
@ApiParam({ name: 'tenantId', format: 'uuid' })
@ApiParam({ name: 'userId', format: 'uuid' })
@Authenticated()
export class CallStateController {
  constructor(
    private readonly users: UsersService,
    private readonly calls: CallStatesService,
    private readonly teams: TeamsPresenceService,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: "Report a user's call state (the user, or admins)" })
  @ApiOkResponse({ type: CallStateResponse })
  @ApiInputAndLookup('user')
  async report(
    @Param() { tenantId, userId }: UserParams,
    @Body() body: ReportCallStateDto,
    @CurrentActor() actor: Actor,
  ): Promise<CallStateResponse> {
    if (!canActForUser(actor, tenantId, userId)) {
      throw new ForbiddenException("Only the user and their tenant's admins report this user's calls");
    }
    await this.users.get(tenantId, userId);
    const state = await this.calls.report(tenantId, userId, body.state);
    const teams = await this.teams.callStateChanged(tenantId, userId, state);
    return { state, teams: { ...teams } };
  }
}
