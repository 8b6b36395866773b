import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class UserParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'tenantId must be a UUID' })
  tenantId!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'userId must be a UUID' })
  userId!: string;
}
