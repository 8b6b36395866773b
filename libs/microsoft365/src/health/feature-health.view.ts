import { ApiProperty } from '@nestjs/swagger';
import { IsEnum, IsString } from 'class-validator';
import { HealthFeature, HealthState } from './feature-health';
import { type FeatureHealthEntity } from './feature-health.entity';

export class HealthFailureView {
  @ApiProperty({ example: 'CERTIFICATE_NOT_REGISTERED' }) code!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ required: false, description: 'What the admin should do' }) action?: string;
  @ApiProperty({ required: false, description: "Microsoft's error code", example: 'invalid_client' })
  microsoftCode?: string;
  @ApiProperty({ required: false, description: "Microsoft's request id, for a support case" })
  requestId?: string;
}

export class FeatureHealthView {
  @ApiProperty({ enum: HealthFeature }) feature!: HealthFeature;
  @ApiProperty({ enum: HealthState }) state!: HealthState;
  @ApiProperty() consecutiveFailures!: number;
  @ApiProperty({ type: HealthFailureView, nullable: true }) lastFailure!: HealthFailureView | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastFailureAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastSuccessAt!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'While quarantined: when the next automatic attempt runs',
  })
  nextAttemptAt!: string | null;

  static of(row: FeatureHealthEntity): FeatureHealthView {
    return {
      feature: row.feature,
      state: row.state,
      consecutiveFailures: row.consecutiveFailures,
      lastFailure: row.lastFailure,
      lastFailureAt: row.lastFailureAt?.toISOString() ?? null,
      lastSuccessAt: row.lastSuccessAt?.toISOString() ?? null,
      nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    };
  }
}

export class FeatureParams {
  @IsString() pbxTenantId!: string;

  @IsEnum(HealthFeature, { message: `feature must be one of ${Object.values(HealthFeature).join(', ')}` })
  feature!: HealthFeature;
}
