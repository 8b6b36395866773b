import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { type CallActivity } from '../call-states.service';

const ACTIVITIES: readonly CallActivity[] = ['on-call', 'ringing', 'idle'];

export class ReportCallStateDto {
  @ApiProperty({
    enum: ACTIVITIES,
    example: 'on-call',
    description: 'Do not disturb is the DND presence status',
  })
  @IsIn(ACTIVITIES, { message: `state must be one of ${ACTIVITIES.join(', ')}` })
  state!: CallActivity;
}

export class CallStateResponse {
  @ApiProperty({ enum: ['on-call', 'ringing', 'idle', 'dnd'] }) state!: string;
  @ApiProperty({
    description:
      "What Microsoft 365's Teams presence did: set, cleared, unchanged, ignored (with a reason) or failed",
    example: { action: 'set' },
  })
  teams!: Record<string, unknown>;
}
