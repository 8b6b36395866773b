import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { IsOmittable } from '../common/is-omittable.decorator';

export const DEFAULT_PROVISIONING_LOG_RETENTION_DAYS = 30;
const MIN_DAYS = 1;
const MAX_DAYS = 365;

/** The retention setting of a provisioning log in a settings update: whole days, 1 to 365. */
export function ProvisioningLogRetentionField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      minimum: MIN_DAYS,
      maximum: MAX_DAYS,
      default: DEFAULT_PROVISIONING_LOG_RETENTION_DAYS,
      description: 'Days the provisioning log keeps its entries; a daily cleanup removes older ones',
    }),
    IsOmittable(),
    IsInt(),
    Min(MIN_DAYS),
    Max(MAX_DAYS),
  );
}
