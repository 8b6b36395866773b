import { IsOmittable } from '../common/is-omittable.decorator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';

export class UpdateNotificationSettingsDto {
  @ApiPropertyOptional({ description: 'Use change notifications when Microsoft can reach the PBX' })
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 1440,
    description: 'Minutes between incremental runs while notifications do not work',
  })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(1440)
  fallbackIntervalMinutes?: number;
}

export class SubscriptionView {
  @ApiProperty() subscriptionId!: string;
  @ApiProperty() kind!: string;
  @ApiProperty() resource!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ format: 'date-time' }) renewAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastNotificationAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastLifecycleEvent!: string | null;
}

export class NotificationStatusView {
  @ApiProperty() pbxTenantId!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() fallbackIntervalMinutes!: number;
  @ApiProperty({ enum: ['notifications', 'polling'], description: 'How changes reach the PBX right now' })
  mode!: 'notifications' | 'polling';
  @ApiProperty({ nullable: true, type: String, description: 'Why the PBX polls instead' })
  reason!: string | null;
  @ApiProperty({ nullable: true, type: String }) notificationUrl!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) failingSince!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastFallbackRunAt!: string | null;
  @ApiProperty({ type: [SubscriptionView] }) subscriptions!: SubscriptionView[];
}
