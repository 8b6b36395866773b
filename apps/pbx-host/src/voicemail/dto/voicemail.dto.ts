import { IsOmittable } from '@pbx/microsoft365';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';

/** A voicemail the PBX's voicemail server just recorded (the reference host has no media server). */
export class CreateVoicemailDto {
  @ApiProperty({ example: '+49 30 1234567', description: 'Calling number as the PBX saw it' })
  @IsString()
  @Matches(/^[+0-9][0-9 ()*#-]{0,31}$/, { message: 'callerNumber must be a phone number' })
  callerNumber!: string;

  @ApiPropertyOptional({ example: 'Fabrikam Reception' })
  @IsOmittable()
  @IsString()
  @Length(1, 128)
  callerName?: string;

  @ApiProperty({
    minimum: 1,
    maximum: 600,
    description: 'Length of the recording; 200 s and more make a WAV over 3 MB',
  })
  @IsInt()
  @Min(1)
  @Max(600)
  durationSeconds!: number;
}

export class VoicemailNotifiedResponse {
  @ApiProperty({ description: 'Where the notification went' }) to!: string;
  @ApiProperty({ description: 'Size of the attached WAV recording in bytes' }) recordingBytes!: number;
  @ApiProperty({ enum: ['sendMail', 'draft'], description: 'sendMail, or a draft with upload sessions' })
  method!: string;
}
