import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantAdminGuard } from '../access/tenant-admin.guard';
import { Microsoft365ExceptionFilter } from '../common/microsoft365-exception.filter';
import { requirePbxTenant } from '../common/pbx-tenant-scope';
import { createValidationPipe } from '../common/validation.pipe';
import { TeamsPresenceSettingsView, UpdateTeamsPresenceSettingsDto } from './teams-presence-settings.dto';
import { TeamsPresenceSettingsService } from './teams-presence-settings.service';
import { TeamsPresencePoller, type TeamsPresencePollResult } from './teams-presence.poller';

const FEATURE = 'Teams presence';

/** Teams presence of one PBX tenant: both directions on or off, Teams states → PBX statuses, poll interval. */
@ApiTags('Microsoft 365: Teams presence')
@ApiBearerAuth()
@Controller('microsoft365/tenants/:pbxTenantId/teams-presence')
@UseGuards(TenantAdminGuard)
@UseFilters(Microsoft365ExceptionFilter)
@UsePipes(createValidationPipe())
export class TeamsPresenceController {
  constructor(
    private readonly settings: TeamsPresenceSettingsService,
    private readonly poller: TeamsPresencePoller,
  ) {}

  @Get('settings')
  @ApiOperation({ summary: 'Teams presence settings, whether each direction can work here, the last poll' })
  @ApiOkResponse({ type: TeamsPresenceSettingsView })
  async getSettings(@Param('pbxTenantId') pbxTenantId: string): Promise<TeamsPresenceSettingsView> {
    return this.settings.view(await this.settings.get(requirePbxTenant(pbxTenantId, FEATURE)));
  }

  @Patch('settings')
  @ApiOperation({
    summary: 'Switch PBX → Teams or Teams → PBX on or off, change the mapping or the poll interval',
  })
  @ApiOkResponse({ type: TeamsPresenceSettingsView })
  async updateSettings(
    @Param('pbxTenantId') pbxTenantId: string,
    @Body() changes: UpdateTeamsPresenceSettingsDto,
  ): Promise<TeamsPresenceSettingsView> {
    const saved = await this.settings.update(requirePbxTenant(pbxTenantId, FEATURE), changes);
    // Teams → PBX switched off: put back every PBX status it changed (no Graph call: nobody is read any more).
    if (changes.fromTeams === false) await this.poller.poll(pbxTenantId);
    return this.settings.view(saved);
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Read Teams presence now and set or restore PBX statuses (Teams → PBX)' })
  async refresh(@Param('pbxTenantId') pbxTenantId: string): Promise<TeamsPresencePollResult> {
    return this.poller.poll(requirePbxTenant(pbxTenantId, FEATURE));
  }
}
