import { Controller, Get, HttpCode, Param, Post, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { TenantAdminGuard } from '../access/tenant-admin.guard';
import { Microsoft365ExceptionFilter } from '../common/microsoft365-exception.filter';
import { requirePbxTenant } from '../common/pbx-tenant-scope';
import { createValidationPipe } from '../common/validation.pipe';
import { HealthFeature } from './feature-health';
import { FeatureHealthView, FeatureParams } from './feature-health.view';
import { FeatureHealthService } from './feature-health.service';
import { AppTokenProvider } from '../graph/app-token.provider';

/** The tenant's background features: healthy, degraded or quarantined, why, and when they try again. */
@ApiTags('Microsoft 365: health')
@ApiBearerAuth()
@Controller('microsoft365/tenants/:pbxTenantId/health')
@UseGuards(TenantAdminGuard)
@UseFilters(Microsoft365ExceptionFilter)
@UsePipes(createValidationPipe())
export class FeatureHealthController {
  constructor(
    private readonly health: FeatureHealthService,
    private readonly tokens: AppTokenProvider,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Health of every background feature',
    description:
      'Consecutive failures move a feature from HEALTHY to DEGRADED to QUARANTINED; a quarantined feature is ' +
      'tried at nextAttemptAt (10 min, 1 h, 6 h, then daily) instead of on every schedule or notification.',
  })
  @ApiOkResponse({ type: [FeatureHealthView] })
  async list(@Param('pbxTenantId') pbxTenantId: string): Promise<FeatureHealthView[]> {
    const rows = await this.health.list(requirePbxTenant(pbxTenantId, 'health'));
    return rows.map((row) => FeatureHealthView.of(row));
  }

  @Post(':feature/restart')
  @HttpCode(200)
  @ApiParam({ name: 'feature', enum: HealthFeature })
  @ApiOperation({
    summary: 'Restart a quarantined or degraded feature',
    description:
      'Healthy again at once: it runs on its normal schedule; its next failure starts counting anew.',
  })
  @ApiOkResponse({ type: FeatureHealthView })
  async restart(@Param() { pbxTenantId, feature }: FeatureParams): Promise<FeatureHealthView> {
    const tenant = requirePbxTenant(pbxTenantId, 'health');
    this.tokens.evict(tenant);
    return FeatureHealthView.of(await this.health.restart(tenant, feature));
  }
}
