import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class UserContactsParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'tenantId must be a UUID' })
  tenantId!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'userId must be a UUID' })
  userId!: string;
}

export class PersonalContactParams extends UserContactsParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'contactId must be a UUID' })
  contactId!: string;
}

export class CompanyContactParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'tenantId must be a UUID' })
  tenantId!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'contactId must be a UUID' })
  contactId!: string;
}
