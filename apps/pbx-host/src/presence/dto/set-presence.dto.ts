import { ApiProperty } from '@nestjs/swagger';
import { PRESENCE_STATUSES, PresenceStatus } from '../presence-status';
import { IsEnum } from 'class-validator';

export class SetPresenceDto {
  @ApiProperty({ enum: PresenceStatus, example: PresenceStatus.InAMeeting })
  @IsEnum(PresenceStatus, { message: `status must be one of ${PRESENCE_STATUSES.join(', ')}` })
  status!: PresenceStatus;
}
