import { Body, Controller, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/authenticated.decorator';
import { ApiInputAndLookup } from '../common/api-responses.decorator';
import { UserParams } from '../users/dto/user-params';
import { UserRole } from '../users/user-role';
import { CreateVoicemailDto, VoicemailNotifiedResponse } from './dto/voicemail.dto';
import { VoicemailNotifier } from './voicemail-notifier.service';

@ApiTags('voicemail')
@Controller('api/tenants/:tenantId/users/:userId/voicemails')
export class VoicemailController {
  constructor(private readonly notifier: VoicemailNotifier) {}

  @Post()
  @Authenticated(UserRole.SystemAdmin, UserRole.TenantAdmin)
  @ApiOperation({
    summary:
      'Record a voicemail for the user and mail it with the WAV attached, through Microsoft 365 (admins)',
  })
  @ApiCreatedResponse({ type: VoicemailNotifiedResponse })
  @ApiInputAndLookup('user')
  async create(
    @Param() { tenantId, userId }: UserParams,
    @Body() body: CreateVoicemailDto,
  ): Promise<VoicemailNotifiedResponse> {
    return this.notifier.notify(tenantId, userId, body);
  }
}
