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
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { TenantAdminGuard } from '../access/tenant-admin.guard';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { Microsoft365ExceptionFilter } from '../common/microsoft365-exception.filter';
import { requirePbxTenant } from '../common/pbx-tenant-scope';
import { uuidParam } from '../common/uuid-param';
import { createValidationPipe } from '../common/validation.pipe';
import { HealthFeature } from '../health/feature-health';
import { FeatureHealthService } from '../health/feature-health.service';
import { FeatureHealthView } from '../health/feature-health.view';
import { RunTrigger, SyncKind } from '../runs/sync-run-status';
import { SyncRunView } from '../runs/sync-run.view';
import { SyncRunsService } from '../runs/sync-runs.service';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { PageQueryDto } from '../user-sync/user-sync-requests.dto';
import { type GroupSyncSettingsEntity } from './group-sync-settings.entity';
import {
  GroupSyncSettingsView,
  StartGroupSyncDto,
  UpdateGroupSyncSettingsDto,
} from './group-sync-settings.dto';
import { GroupSyncSettingsService } from './group-sync-settings.service';
import { GroupSyncRunner } from './group-sync.runner';
import { GroupSyncScheduler } from './group-sync.scheduler';

const FEATURE = 'group sync';

/** Group sync of one PBX tenant: Entra groups → PBX ring groups. Settings and runs. */
@ApiTags('Microsoft 365: group sync')
@ApiBearerAuth()
@ApiNotFoundResponse({ description: 'FEATURE_UNAVAILABLE: the PBX provides no PBX_GROUPS port' })
@Controller('microsoft365/tenants/:pbxTenantId/group-sync')
@UseGuards(TenantAdminGuard)
@UseFilters(Microsoft365ExceptionFilter)
@UsePipes(createValidationPipe())
export class GroupSyncController {
  constructor(
    private readonly settings: GroupSyncSettingsService,
    private readonly connection: TenantSettingsService,
    private readonly runner: GroupSyncRunner,
    private readonly runs: SyncRunsService,
    private readonly scheduler: GroupSyncScheduler,
    private readonly health: FeatureHealthService,
  ) {}

  @Get('settings')
  @ApiOperation({ summary: 'Group sync settings: the selected groups, the leaver policy and the schedule' })
  @ApiOkResponse({ type: GroupSyncSettingsView })
  async getSettings(@Param('pbxTenantId') pbxTenantId: string): Promise<GroupSyncSettingsView> {
    const settings = await this.settings.get(this.tenant(pbxTenantId));
    await this.scheduler.apply(settings);
    return this.view(settings);
  }

  @Patch('settings')
  @ApiOperation({ summary: 'Change the selected groups, the leaver policy or the schedule' })
  @ApiOkResponse({ type: GroupSyncSettingsView })
  async updateSettings(
    @Param('pbxTenantId') pbxTenantId: string,
    @Body() changes: UpdateGroupSyncSettingsDto,
  ): Promise<GroupSyncSettingsView> {
    const saved = await this.settings.update(this.tenant(pbxTenantId), changes);
    await this.scheduler.apply(saved);
    return this.view(saved);
  }

  @Post('runs')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start a run (the groups delta only, unless full; dryRun plans without changing the PBX)',
    description: 'Answers at once with the run; follow it with GET runs/{runId}.',
  })
  @ApiAcceptedResponse({ type: SyncRunView })
  async start(
    @Param('pbxTenantId') pbxTenantId: string,
    @Body() body: StartGroupSyncDto,
  ): Promise<SyncRunView> {
    const run = await this.runner.start(this.tenant(pbxTenantId), { trigger: RunTrigger.Manual, ...body });
    return SyncRunView.of(run);
  }

  @Get('runs')
  @ApiOperation({ summary: 'Group sync run history, newest first' })
  @ApiOkResponse({ type: [SyncRunView] })
  async list(@Param('pbxTenantId') pbxTenantId: string, @Query() page: PageQueryDto): Promise<SyncRunView[]> {
    const runs = await this.runs.list(this.tenant(pbxTenantId), SyncKind.Groups, { limit: page.limit ?? 50 });
    return runs.map((run) => SyncRunView.of(run));
  }

  @Get('runs/:runId')
  @ApiOperation({
    summary: 'One run: counts, skipped members with the reason, and its plan (one line per group)',
  })
  @ApiOkResponse({ type: SyncRunView })
  async get(
    @Param('pbxTenantId') pbxTenantId: string,
    @Param('runId', uuidParam('runId')) runId: string,
  ): Promise<SyncRunView> {
    const run = await this.runs.get(this.tenant(pbxTenantId), runId);
    if (run.kind !== SyncKind.Groups) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.NotFound,
        `No group sync run ${runId} in this tenant`,
      );
    }
    return SyncRunView.of(run, true);
  }

  /** A PBX tenant (not the system scope) of a PBX that offers groups. */
  private tenant(pbxTenantId: string): string {
    requirePbxTenant(pbxTenantId, FEATURE);
    this.runner.requireAvailable();
    return pbxTenantId;
  }

  private async view(settings: GroupSyncSettingsEntity): Promise<GroupSyncSettingsView> {
    const connection = await this.connection.find(settings.pbxTenantId);
    return {
      ...this.settings.view(
        settings,
        connection?.features ?? null,
        await this.scheduler.scheduleOf(settings),
      ),
      health: FeatureHealthView.of(await this.health.get(settings.pbxTenantId, HealthFeature.GroupSync)),
    };
  }
}
