import { ApiProperty } from '@nestjs/swagger';
import { PageResponse } from '../../common/page.response';
import { PresenceStatus } from '../presence-status';

export class PresenceResponse {
  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({ enum: PresenceStatus })
  status!: PresenceStatus;

  @ApiProperty()
  changedAt!: Date;
}

export class PresencePageResponse extends PageResponse(PresenceResponse) {}
