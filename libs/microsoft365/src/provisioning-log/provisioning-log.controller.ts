import { Controller, Get, Param, Query, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantAdminGuard } from '../access/tenant-admin.guard';
import { Microsoft365ExceptionFilter } from '../common/microsoft365-exception.filter';
import { requirePbxTenant } from '../common/pbx-tenant-scope';
import { createValidationPipe } from '../common/validation.pipe';
import { SyncKind } from '../runs/sync-run-status';
import { ProvisioningLogEntryView, ProvisioningLogQueryDto } from './provisioning-log.dto';
import { ProvisioningLogService } from './provisioning-log.service';

/**
 * What each run did to each user (user sync), each mailbox (contact sync) and each group (group sync), kept for the
 * tenant's retention.
 */
@ApiTags('Microsoft 365: provisioning log')
@ApiBearerAuth()
@Controller('microsoft365/tenants/:pbxTenantId')
@UseGuards(TenantAdminGuard)
@UseFilters(Microsoft365ExceptionFilter)
@UsePipes(createValidationPipe())
export class ProvisioningLogController {
  constructor(private readonly log: ProvisioningLogService) {}

  @Get('user-sync/provisioning-log')
  @ApiOperation({
    summary: 'What user sync runs did to each user, newest first',
    description:
      'Created, linked, updated (fields old → new), re-enabled, disabled, deleted, kept, skipped (reason) or ' +
      'failed (error); filter by run, object id, UPN, PBX user or action.',
  })
  @ApiOkResponse({ type: [ProvisioningLogEntryView] })
  async users(
    @Param('pbxTenantId') pbxTenantId: string,
    @Query() query: ProvisioningLogQueryDto,
  ): Promise<ProvisioningLogEntryView[]> {
    const entries = await this.log.list(requirePbxTenant(pbxTenantId, 'user sync'), SyncKind.Users, query);
    return entries.map((entry) => ProvisioningLogEntryView.of(entry));
  }

  @Get('contact-sync/provisioning-log')
  @ApiOperation({
    summary: 'What contact sync runs did to each mailbox, newest first',
    description:
      'Synced (with its counts), removed, skipped (reason) or failed (error); mailboxes without changes are ' +
      'not logged.',
  })
  @ApiOkResponse({ type: [ProvisioningLogEntryView] })
  async contacts(
    @Param('pbxTenantId') pbxTenantId: string,
    @Query() query: ProvisioningLogQueryDto,
  ): Promise<ProvisioningLogEntryView[]> {
    const entries = await this.log.list(
      requirePbxTenant(pbxTenantId, 'contact sync'),
      SyncKind.Contacts,
      query,
    );
    return entries.map((entry) => ProvisioningLogEntryView.of(entry));
  }

  @Get('group-sync/provisioning-log')
  @ApiOperation({
    summary: 'What group sync runs did to each group, newest first',
    description:
      'Created, updated (renamed, members added or removed), re-enabled, disabled, deleted or kept by the leaver ' +
      "policy (reason), failed (error code, Microsoft's code in the message), skipped members (object id of the " +
      "user, reason) and selected groups Entra does not know. The object id is the Entra group's (the user's for " +
      'a skipped member); groups whose Entra state did not change are not logged.',
  })
  @ApiOkResponse({ type: [ProvisioningLogEntryView] })
  async groups(
    @Param('pbxTenantId') pbxTenantId: string,
    @Query() query: ProvisioningLogQueryDto,
  ): Promise<ProvisioningLogEntryView[]> {
    const entries = await this.log.list(requirePbxTenant(pbxTenantId, 'group sync'), SyncKind.Groups, query);
    return entries.map((entry) => ProvisioningLogEntryView.of(entry));
  }
}
