import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class TenantIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'tenantId must be a UUID' })
  tenantId!: string;
}
