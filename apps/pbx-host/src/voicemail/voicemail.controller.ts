import { Body, Controller, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '@pbx/host/auth/authenticated.decorator';
import { ApiInputAndLookup } from '@pbx/host/common/api-responses.decorator';
import { UserParams } from '@pbx/host/users/dto/user-params';
import { UserRole } from '@pbx/host/users/user-role';
import { CreateVoicemailDto, VoicemailNotifiedResponse } from '@pbx/host/voicemail/dto/voicemail.dto';
import { VoicemailNotifier } from '@pbx/host/voicemail/voicemail-notifier.service';

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
