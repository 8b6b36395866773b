import { HealthFeature } from '../health/feature-health';
import { FeatureHealthService } from '../health/feature-health.service';
import { FeatureHealthView } from '../health/feature-health.view';
import { requirePbxTenant } from '../common/pbx-tenant-scope';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantAdminGuard } from '../access/tenant-admin.guard';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { Microsoft365ExceptionFilter } from '../common/microsoft365-exception.filter';
import { uuidParam } from '../common/uuid-param';
import { createValidationPipe } from '../common/validation.pipe';
import {
  ContactSyncSettingsView,
  SharedMailboxCandidateView,
  StartContactSyncDto,
  UpdateContactSyncSettingsDto,
} from './contact-sync-settings.dto';
import { ContactSyncSettingsService } from './contact-sync-settings.service';
import { ContactSyncRunner } from './contact-sync.runner';
import { ContactSyncScheduler } from './contact-sync.scheduler';
import { OutlookContactsReader } from './outlook-contacts.reader';
import { SyncRunView } from '../runs/sync-run.view';
import { RunTrigger, SyncKind } from '../runs/sync-run-status';
import { SyncRunsService } from '../runs/sync-runs.service';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { PageQueryDto } from '../user-sync/user-sync-requests.dto';

/** Contact sync of one PBX tenant: settings, shared mailbox candidates and runs. */
@ApiTags('Microsoft 365: contact sync')
@ApiBearerAuth()
@Controller('microsoft365/tenants/:pbxTenantId/contact-sync')
@UseGuards(TenantAdminGuard)
@UseFilters(Microsoft365ExceptionFilter)
@UsePipes(createValidationPipe())
export class ContactSyncController {
  constructor(
    private readonly settings: ContactSyncSettingsService,
    private readonly connection: TenantSettingsService,
    private readonly runner: ContactSyncRunner,
    private readonly runs: SyncRunsService,
    private readonly scheduler: ContactSyncScheduler,
    private readonly reader: OutlookContactsReader,
    private readonly health: FeatureHealthService,
  ) {}

  @Get('settings')
  @ApiOperation({ summary: 'Contact sync settings, the feature switches and the next scheduled run' })
  @ApiOkResponse({ type: ContactSyncSettingsView })
  async getSettings(@Param('pbxTenantId') pbxTenantId: string): Promise<ContactSyncSettingsView> {
    const settings = await this.settings.get(requirePbxTenant(pbxTenantId, 'contact sync'));
    // The settings may have been changed through another instance: the next run shown is the stored schedule's.
    await this.scheduler.apply(settings);
    return this.view(settings);
  }

  @Patch('settings')
  @ApiOperation({
    summary: 'Change whose personal contacts are synced, the shared mailboxes, or the schedule',
  })
  @ApiOkResponse({ type: ContactSyncSettingsView })
  async updateSettings(
    @Param('pbxTenantId') pbxTenantId: string,
    @Body() changes: UpdateContactSyncSettingsDto,
  ): Promise<ContactSyncSettingsView> {
    const saved = await this.settings.update(requirePbxTenant(pbxTenantId, 'contact sync'), changes);
    await this.scheduler.apply(saved);
    return this.view(saved);
  }

  @Get('shared-mailbox-candidates')
  @ApiOperation({ summary: 'Mailboxes Microsoft 365 reports as shared, to pick from' })
  @ApiOkResponse({ type: [SharedMailboxCandidateView] })
  async candidates(@Param('pbxTenantId') pbxTenantId: string): Promise<SharedMailboxCandidateView[]> {
    const connection = await this.connection.requireConfigured(requirePbxTenant(pbxTenantId, 'contact sync'));
    const selected = new Set((await this.settings.get(pbxTenantId)).sharedMailboxes);
    const candidates = await this.reader.sharedMailboxCandidates({ pbxTenantId, cloud: connection.cloud });
    return candidates.map((candidate) => ({
      ...candidate,
      selected: selected.has(candidate.userPrincipalName.toLowerCase()),
    }));
  }

  @Post('runs')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start a run (only the changes since the last run, unless full)',
    description: 'Answers at once with the run; follow it with GET runs/{runId}.',
  })
  @ApiAcceptedResponse({ type: SyncRunView })
  async start(
    @Param('pbxTenantId') pbxTenantId: string,
    @Body() body: StartContactSyncDto,
  ): Promise<SyncRunView> {
    const run = await this.runner.start(requirePbxTenant(pbxTenantId, 'contact sync'), {
      trigger: RunTrigger.Manual,
      ...body,
    });
    return SyncRunView.of(run);
  }

  @Get('runs')
  @ApiOperation({ summary: 'Contact sync run history, newest first' })
  @ApiOkResponse({ type: [SyncRunView] })
  async list(@Param('pbxTenantId') pbxTenantId: string, @Query() page: PageQueryDto): Promise<SyncRunView[]> {
    const runs = await this.runs.list(requirePbxTenant(pbxTenantId, 'contact sync'), SyncKind.Contacts, {
      limit: page.limit ?? 50,
    });
    return runs.map((run) => SyncRunView.of(run));
  }

  @Get('runs/:runId')
  @ApiOperation({
    summary: 'One run: progress, counts, per-mailbox issues, and a line per mailbox with its counts (plan)',
  })
  @ApiOkResponse({ type: SyncRunView })
  async get(
    @Param('pbxTenantId') pbxTenantId: string,
    @Param('runId', uuidParam('runId')) runId: string,
  ): Promise<SyncRunView> {
    const run = await this.runs.get(requirePbxTenant(pbxTenantId, 'contact sync'), runId);
    if (run.kind !== SyncKind.Contacts) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.NotFound,
        `No contact sync run ${runId} in this tenant`,
      );
    }
    return SyncRunView.of(run, true);
  }

  private async view(settings: Awaited<ReturnType<ContactSyncSettingsService['get']>>) {
    const connection = await this.connection.find(settings.pbxTenantId);
    return {
      ...this.settings.view(
        settings,
        connection?.features ?? null,
        await this.scheduler.scheduleOf(settings),
      ),
      health: FeatureHealthView.of(await this.health.get(settings.pbxTenantId, HealthFeature.ContactSync)),
    };
  }
}
