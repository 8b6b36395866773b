import { requirePbxTenant } from '../common/pbx-tenant-scope';
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
import { createValidationPipe } from '../common/validation.pipe';
import { CalendarPresenceRunner, type PresenceRefreshResult } from './calendar-presence.runner';
import {
  CalendarPresenceSettingsView,
  UpdateCalendarPresenceSettingsDto,
} from './calendar-presence-settings.dto';
import { CalendarPresenceSettingsService } from './calendar-presence-settings.service';

/** Calendar presence of one PBX tenant: scope, mapping of calendar states to PBX statuses, poll interval. */
@ApiTags('Microsoft 365: calendar presence')
@ApiBearerAuth()
@Controller('microsoft365/tenants/:pbxTenantId/presence')
@UseGuards(TenantAdminGuard)
@UseFilters(Microsoft365ExceptionFilter)
@UsePipes(createValidationPipe())
export class CalendarPresenceController {
  constructor(
    private readonly settings: CalendarPresenceSettingsService,
    private readonly runner: CalendarPresenceRunner,
  ) {}

  @Get('settings')
  @ApiOperation({ summary: 'Calendar presence settings, the statuses the PBX offers and the last poll' })
  @ApiOkResponse({ type: CalendarPresenceSettingsView })
  async getSettings(@Param('pbxTenantId') pbxTenantId: string): Promise<CalendarPresenceSettingsView> {
    return this.settings.view(await this.settings.get(requirePbxTenant(pbxTenantId, 'calendar presence')));
  }

  @Patch('settings')
  @ApiOperation({ summary: 'Switch calendar presence on or off, change its scope, mapping or poll interval' })
  @ApiOkResponse({ type: CalendarPresenceSettingsView })
  async updateSettings(
    @Param('pbxTenantId') pbxTenantId: string,
    @Body() changes: UpdateCalendarPresenceSettingsDto,
  ): Promise<CalendarPresenceSettingsView> {
    const saved = await this.settings.update(requirePbxTenant(pbxTenantId, 'calendar presence'), changes);
    // Switched off: put back every status calendar presence changed (no Graph call: nobody is in scope any more).
    if (changes.enabled === false) await this.runner.refresh(pbxTenantId);
    return this.settings.view(saved);
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Read the calendars now and set or restore statuses' })
  async refresh(@Param('pbxTenantId') pbxTenantId: string): Promise<PresenceRefreshResult> {
    return this.runner.refresh(requirePbxTenant(pbxTenantId, 'calendar presence'));
  }
}
