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
import { Inject } from '@nestjs/common';
import { TenantAdminGuard } from '../access/tenant-admin.guard';
import { Microsoft365ExceptionFilter } from '../common/microsoft365-exception.filter';
import { createValidationPipe } from '../common/validation.pipe';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { notificationEndpoint } from './notification-endpoint';
import { NotificationStatusView, UpdateNotificationSettingsDto } from './notification-settings.dto';
import { NotificationSettingsService } from './notification-settings.service';
import { renewAt } from './subscription-lifetime';
import { SubscriptionManager } from './subscription.manager';
import { NotificationsScheduler } from './notifications.scheduler';

/** Change notifications of one PBX tenant: on/off, the polling fallback, and the subscriptions held at Microsoft. */
@ApiTags('Microsoft 365: change notifications')
@ApiBearerAuth()
@Controller('microsoft365/tenants/:pbxTenantId/notifications')
@UseGuards(TenantAdminGuard)
@UseFilters(Microsoft365ExceptionFilter)
@UsePipes(createValidationPipe())
export class NotificationSettingsController {
  constructor(
    private readonly settings: NotificationSettingsService,
    private readonly manager: SubscriptionManager,
    private readonly scheduler: NotificationsScheduler,
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Whether changes arrive by notification or polling, and the subscriptions held' })
  @ApiOkResponse({ type: NotificationStatusView })
  async status(@Param('pbxTenantId') pbxTenantId: string): Promise<NotificationStatusView> {
    return this.view(requirePbxTenant(pbxTenantId, 'notifications'));
  }

  @Patch()
  @ApiOperation({ summary: 'Switch change notifications on or off, or change the fallback interval' })
  @ApiOkResponse({ type: NotificationStatusView })
  async update(
    @Param('pbxTenantId') pbxTenantId: string,
    @Body() changes: UpdateNotificationSettingsDto,
  ): Promise<NotificationStatusView> {
    await this.settings.update(requirePbxTenant(pbxTenantId, 'notifications'), changes);
    return this.view(pbxTenantId);
  }

  @Post('reconcile')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create, renew or remove subscriptions now instead of at the next check' })
  @ApiOkResponse({ type: NotificationStatusView })
  async reconcile(@Param('pbxTenantId') pbxTenantId: string): Promise<NotificationStatusView> {
    await this.manager.reconcile(requirePbxTenant(pbxTenantId, 'notifications'));
    return this.view(pbxTenantId);
  }

  private async view(pbxTenantId: string): Promise<NotificationStatusView> {
    const settings = await this.settings.get(pbxTenantId);
    const reason = await this.scheduler.pollingReason(pbxTenantId);
    const endpoint = notificationEndpoint(this.options);
    const cap = this.options.notifications?.maxSubscriptionLifetimeMinutes;
    return {
      pbxTenantId,
      enabled: settings.enabled,
      fallbackIntervalMinutes: settings.fallbackIntervalMinutes,
      mode: reason === null ? 'notifications' : 'polling',
      reason,
      notificationUrl: endpoint.usable ? endpoint.notificationUrl : null,
      failingSince: settings.failingSince?.toISOString() ?? null,
      lastFallbackRunAt: settings.lastFallbackRunAt?.toISOString() ?? null,
      subscriptions: (await this.manager.subscriptions(pbxTenantId)).map((s) => ({
        subscriptionId: s.subscriptionId,
        kind: s.kind,
        resource: s.resource,
        expiresAt: s.expiresAt.toISOString(),
        renewAt: renewAt(s.kind, s.expiresAt, cap).toISOString(),
        lastNotificationAt: s.lastNotificationAt?.toISOString() ?? null,
        lastLifecycleEvent: s.lastLifecycleEvent,
      })),
    };
  }
}
