import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantAdminGuard } from '../access/tenant-admin.guard';
import { Microsoft365ExceptionFilter } from '../common/microsoft365-exception.filter';
import { requirePbxTenant } from '../common/pbx-tenant-scope';
import { createValidationPipe } from '../common/validation.pipe';
import { invalidField } from '../common/invalid-input';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { PresenceSubscriptionManager } from './presence-subscription.manager';
import { ServiceAccountService } from './service-account.service';
import { teamsPresenceAvailability } from './teams-presence-availability';
import {
  ServiceAccountSignInView,
  TeamsPresenceSettingsView,
  UpdateTeamsPresenceSettingsDto,
} from './teams-presence-settings.dto';
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
    private readonly subscriptions: PresenceSubscriptionManager,
    private readonly account: ServiceAccountService,
    private readonly connection: TenantSettingsService,
  ) {}

  @Get('settings')
  @ApiOperation({ summary: 'Teams presence settings, whether each direction can work here, the last poll' })
  @ApiOkResponse({ type: TeamsPresenceSettingsView })
  async getSettings(@Param('pbxTenantId') pbxTenantId: string): Promise<TeamsPresenceSettingsView> {
    return this.view(requirePbxTenant(pbxTenantId, FEATURE));
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
    return {
      ...(await this.settings.view(saved)),
      changeNotificationsStatus: await this.subscriptions.status(pbxTenantId),
    };
  }

  @Post('service-account/sign-in')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Start signing in the service account for presence change notifications (delegated Presence.Read.All)',
    description:
      "Answers Entra's authorization URL: open it in the admin's browser and sign in the account (once). Entra " +
      'brings the browser back to `redirectUri`, which must be registered on the Entra app. Refused in 21Vianet.',
  })
  @ApiOkResponse({ type: ServiceAccountSignInView })
  async startSignIn(@Param('pbxTenantId') pbxTenantId: string): Promise<ServiceAccountSignInView> {
    const tenant = requirePbxTenant(pbxTenantId, FEATURE);
    const connection = await this.connection.requireConfigured(tenant);
    // Teams → PBX (and so its notifications) is not offered in 21Vianet (docs/graph-notes.md §13, §14).
    const unavailable = teamsPresenceAvailability(connection.cloud, true).fromTeams;
    if (unavailable) throw invalidField('cloud', unavailable);
    return {
      authorizationUrl: await this.account.startSignIn(tenant),
      redirectUri: this.account.redirectUri(),
    };
  }

  @Delete('service-account')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Sign the service account out: its tokens are deleted, and Teams presence polls only',
  })
  @ApiNoContentResponse()
  async signOut(@Param('pbxTenantId') pbxTenantId: string): Promise<void> {
    await this.account.signOut(requirePbxTenant(pbxTenantId, FEATURE));
  }

  private async view(pbxTenantId: string): Promise<TeamsPresenceSettingsView> {
    return {
      ...(await this.settings.view(await this.settings.get(pbxTenantId))),
      changeNotificationsStatus: await this.subscriptions.status(pbxTenantId),
    };
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Read Teams presence now and set or restore PBX statuses (Teams → PBX)' })
  async refresh(@Param('pbxTenantId') pbxTenantId: string): Promise<TeamsPresencePollResult> {
    return this.poller.poll(requirePbxTenant(pbxTenantId, FEATURE));
  }
}
