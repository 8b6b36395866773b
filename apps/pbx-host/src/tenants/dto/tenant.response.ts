import { ApiProperty } from '@nestjs/swagger';
import { PageResponse } from '../../common/page.response';
import { type TenantEntity } from '../tenant.entity';

export class TenantResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty()
  sipDomain!: string;

  @ApiProperty()
  timeZone!: string;

  @ApiProperty()
  createdAt!: Date;

  @ApiProperty()
  updatedAt!: Date;

  static from(tenant: TenantEntity): TenantResponse {
    const { id, name, sipDomain, timeZone, createdAt, updatedAt } = tenant;
    return { id, name, sipDomain, timeZone, createdAt, updatedAt };
  }
}

export class TenantPageResponse extends PageResponse(TenantResponse) {}
