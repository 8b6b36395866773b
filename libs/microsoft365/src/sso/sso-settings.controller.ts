import { Body, Controller, Get, Param, Patch, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminActor, TenantAdminGuard } from '../access/tenant-admin.guard';
import { type PbxAdminActor } from '../ports/pbx-admin-access.port';
import { Microsoft365ExceptionFilter } from '../common/microsoft365-exception.filter';
import { createValidationPipe } from '../common/validation.pipe';
import { SsoSettingsView, UpdateSsoSettingsDto } from './sso-settings.dto';
import { SsoSettingsService } from './sso-settings.service';

/** Who may "Sign in with Microsoft" to a tenant (`system`: system administrators). */
@ApiTags('Microsoft 365: single sign-on')
@ApiBearerAuth()
@Controller('microsoft365/tenants/:pbxTenantId/sso')
@UseGuards(TenantAdminGuard)
@UseFilters(Microsoft365ExceptionFilter)
@UsePipes(createValidationPipe())
export class SsoSettingsController {
  constructor(private readonly settings: SsoSettingsService) {}

  @Get()
  @ApiOperation({ summary: 'Sign-in rules, registered app redirect URIs and the login URL' })
  @ApiOkResponse({ type: SsoSettingsView })
  get(@Param('pbxTenantId') pbxTenantId: string): Promise<SsoSettingsView> {
    return this.settings.view(pbxTenantId);
  }

  @Patch()
  @ApiOperation({
    summary: 'Change the sign-in rules; absent fields keep their value',
    description: 'Switch sign-in on or off with the `singleSignOn` feature switch of the tenant settings.',
  })
  @ApiBody({
    type: UpdateSsoSettingsDto,
    examples: {
      tenant: {
        summary: 'A PBX tenant: who may sign in with Microsoft, and where',
        value: {
          users: { enabled: true, web: true, app: true, scope: 'ALL', selectedUsers: [] },
          administrators: { enabled: true, web: true, app: false, scope: 'ALL', selectedUsers: [] },
          appRedirectUris: ['com.example.pbx:/auth'],
          domainHint: 'contoso.com',
        },
      },
      system: {
        summary: 'pbxTenantId "system": system administrators, bound to their Microsoft accounts',
        description:
          'systemAdminAccounts: [{ "objectId": "<oid>", "adminId": "<system admin id>" }] replaces the list',
        value: { administrators: { enabled: true, web: true, app: false }, systemAdminAccounts: [] },
      },
    },
  })
  @ApiOkResponse({ type: SsoSettingsView })
  update(
    @Param('pbxTenantId') pbxTenantId: string,
    @Body() changes: UpdateSsoSettingsDto,
    @AdminActor() actor: PbxAdminActor | null,
  ): Promise<SsoSettingsView> {
    return this.settings.update(pbxTenantId, changes, actor);
  }
}
