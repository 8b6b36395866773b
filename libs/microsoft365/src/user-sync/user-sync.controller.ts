import { HealthFeature } from '../health/feature-health';
import { FeatureHealthService } from '../health/feature-health.service';
import { FeatureHealthView } from '../health/feature-health.view';
import { requirePbxTenant } from '../common/pbx-tenant-scope';
import {
  Body,
  Controller,
  Delete,
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
import { AdminActor, TenantAdminGuard } from '../access/tenant-admin.guard';
import { Microsoft365ExceptionFilter } from '../common/microsoft365-exception.filter';
import { invalidField } from '../common/invalid-input';
import { uuidParam } from '../common/uuid-param';
import { createValidationPipe } from '../common/validation.pipe';
import { type PbxAdminActor } from '../ports/pbx-admin-access.port';
import { SyncRunView } from '../runs/sync-run.view';
import { RunTrigger, SyncKind } from '../runs/sync-run-status';
import { SyncRunsService } from '../runs/sync-runs.service';
import { UserLinksService } from './user-links.service';
import { BindUserDto, OnDemandSyncDto, PageQueryDto, StartUserSyncDto } from './user-sync-requests.dto';
import { UpdateUserSyncSettingsDto, UserSyncSettingsView } from './user-sync-settings.dto';
import { UserSyncSettingsService } from './user-sync-settings.service';
import { UserSyncRunner } from './user-sync.runner';
import { UserSyncScheduler } from './user-sync.scheduler';

/** User sync of one PBX tenant: settings, runs, the deletion guard, on-demand sync and manual links. */
@ApiTags('Microsoft 365: user sync')
@ApiBearerAuth()
@Controller('microsoft365/tenants/:pbxTenantId/user-sync')
@UseGuards(TenantAdminGuard)
@UseFilters(Microsoft365ExceptionFilter)
@UsePipes(createValidationPipe())
export class UserSyncController {
  constructor(
    private readonly settings: UserSyncSettingsService,
    private readonly runner: UserSyncRunner,
    private readonly runs: SyncRunsService,
    private readonly scheduler: UserSyncScheduler,
    private readonly links: UserLinksService,
    private readonly health: FeatureHealthService,
  ) {}

  private async withHealth(view: UserSyncSettingsView): Promise<UserSyncSettingsView> {
    return {
      ...view,
      health: FeatureHealthView.of(await this.health.get(view.pbxTenantId, HealthFeature.UserSync)),
    };
  }

  @Get('settings')
  @ApiOperation({
    summary: 'User sync settings, the next scheduled run and whether the next run can be incremental',
  })
  @ApiOkResponse({ type: UserSyncSettingsView })
  async getSettings(@Param('pbxTenantId') pbxTenantId: string): Promise<UserSyncSettingsView> {
    const settings = await this.settings.get(requirePbxTenant(pbxTenantId, 'user sync'));
    // The settings may have been changed through another instance: the next run shown is the stored schedule's.
    await this.scheduler.apply(settings);
    return this.withHealth(
      this.settings.view(
        settings,
        await this.scheduler.scheduleOf(settings),
        await this.settings.extensionRangeWarnings(settings),
      ),
    );
  }

  @Patch('settings')
  @ApiOperation({ summary: 'Change scope, numbering, leaver policy, photos, schedule or deletion guard' })
  @ApiOkResponse({ type: UserSyncSettingsView })
  async updateSettings(
    @Param('pbxTenantId') pbxTenantId: string,
    @Body() changes: UpdateUserSyncSettingsDto,
  ): Promise<UserSyncSettingsView> {
    const saved = await this.settings.update(requirePbxTenant(pbxTenantId, 'user sync'), changes);
    await this.scheduler.apply(saved);
    return this.withHealth(
      this.settings.view(
        saved,
        await this.scheduler.scheduleOf(saved),
        await this.settings.extensionRangeWarnings(saved),
      ),
    );
  }

  @Post('runs')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Sync now: a full run unless `mode` is `incremental`; a dry run only plans',
    description:
      'A full run restores PBX users deleted or edited in the PBX (fields Microsoft 365 owns) and takes a fresh ' +
      'delta link for the runs that follow. Answers at once with the run; follow it with GET runs/{runId}.',
  })
  @ApiAcceptedResponse({ type: SyncRunView })
  async start(
    @Param('pbxTenantId') pbxTenantId: string,
    @Body() body: StartUserSyncDto,
  ): Promise<SyncRunView> {
    if (body.full === true && body.mode === 'incremental') {
      throw invalidField('mode', 'mode incremental contradicts full: true; send one of them');
    }
    const run = await this.runner.start(requirePbxTenant(pbxTenantId, 'user sync'), {
      trigger: RunTrigger.Manual,
      mode: body.full === true ? 'full' : body.mode,
      dryRun: body.dryRun,
    });
    return SyncRunView.of(run);
  }

  @Get('runs')
  @ApiOperation({ summary: 'Run history, newest first' })
  @ApiOkResponse({ type: [SyncRunView] })
  async list(@Param('pbxTenantId') pbxTenantId: string, @Query() page: PageQueryDto): Promise<SyncRunView[]> {
    const runs = await this.runs.list(requirePbxTenant(pbxTenantId, 'user sync'), SyncKind.Users, {
      limit: page.limit ?? 50,
    });
    return runs.map((run) => SyncRunView.of(run));
  }

  @Get('runs/:runId')
  @ApiOperation({ summary: 'One run: progress while it runs, then counts, issues, staged removals and plan' })
  @ApiOkResponse({ type: SyncRunView })
  async get(
    @Param('pbxTenantId') pbxTenantId: string,
    @Param('runId', uuidParam('runId')) runId: string,
  ): Promise<SyncRunView> {
    return SyncRunView.of(await this.runs.get(requirePbxTenant(pbxTenantId, 'user sync'), runId), true);
  }

  @Post('runs/:runId/staged-removals/confirm')
  @ApiOperation({ summary: 'Apply the leavers the deletion guard held back' })
  @ApiOkResponse({ type: SyncRunView })
  async confirm(
    @Param('pbxTenantId') pbxTenantId: string,
    @Param('runId', uuidParam('runId')) runId: string,
    @AdminActor() actor: PbxAdminActor | null,
  ): Promise<SyncRunView> {
    return SyncRunView.of(
      await this.runner.confirmStaged(requirePbxTenant(pbxTenantId, 'user sync'), runId, actor?.id ?? null),
    );
  }

  @Post('runs/:runId/staged-removals/reject')
  @ApiOperation({ summary: 'Drop the leavers the deletion guard held back' })
  @ApiOkResponse({ type: SyncRunView })
  async reject(
    @Param('pbxTenantId') pbxTenantId: string,
    @Param('runId', uuidParam('runId')) runId: string,
    @AdminActor() actor: PbxAdminActor | null,
  ): Promise<SyncRunView> {
    return SyncRunView.of(
      await this.runner.rejectStaged(requirePbxTenant(pbxTenantId, 'user sync'), runId, actor?.id ?? null),
    );
  }

  @Post('on-demand')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sync one user now and report each step' })
  async onDemand(@Param('pbxTenantId') pbxTenantId: string, @Body() body: OnDemandSyncDto) {
    const result = await this.runner.onDemand(
      requirePbxTenant(pbxTenantId, 'user sync'),
      body.userPrincipalName,
    );
    return { objectId: result.objectId, steps: result.steps, run: SyncRunView.of(result.run) };
  }

  @Get('links')
  @ApiOperation({ summary: 'Which PBX user and extension each Microsoft 365 account is linked to' })
  async listLinks(@Param('pbxTenantId') pbxTenantId: string, @Query() page: PageQueryDto) {
    const links = await this.links.list(requirePbxTenant(pbxTenantId, 'user sync'), {
      limit: page.limit ?? 50,
      offset: page.offset ?? 0,
    });
    return links.map((link) => ({
      objectId: link.objectId,
      userPrincipalName: link.userPrincipalName,
      pbxUserId: link.pbxUserId,
      extension: link.extension,
      state: link.state,
      origin: link.origin,
      updatedAt: link.updatedAt.toISOString(),
    }));
  }

  @Post('links')
  @ApiOperation({ summary: 'Bind a PBX user to a Microsoft 365 account by hand' })
  async bind(@Param('pbxTenantId') pbxTenantId: string, @Body() body: BindUserDto) {
    const link = await this.links.bind(
      requirePbxTenant(pbxTenantId, 'user sync'),
      body.pbxUserId,
      body.microsoft365User,
    );
    return {
      objectId: link.objectId,
      pbxUserId: link.pbxUserId,
      extension: link.extension,
      state: link.state,
    };
  }

  @Delete('links/:objectId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unbind: the PBX user stays as a local user, the account is no longer synced' })
  async unbind(
    @Param('pbxTenantId') pbxTenantId: string,
    @Param('objectId') objectId: string,
  ): Promise<void> {
    await this.links.unbind(requirePbxTenant(pbxTenantId, 'user sync'), objectId);
  }
}
