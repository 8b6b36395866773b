import { IsOmittable } from '../common/is-omittable.decorator';
import { UserSelectionDto } from '../common/user-selection.dto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsString, Length, Max, Min, ValidateNested } from 'class-validator';
import { SelectionMode } from '../user-sync/user-scope';

/** Calendar state → host status name; a state left out does not change the status. */
export class StatusMappingDto {
  @ApiPropertyOptional({ example: 'IN_A_MEETING' })
  @IsOmittable()
  @IsString()
  @Length(1, 64)
  busy?: string;

  @ApiPropertyOptional({ example: 'OUT_OF_OFFICE' })
  @IsOmittable()
  @IsString()
  @Length(1, 64)
  oof?: string;

  @ApiPropertyOptional({ example: 'AWAY' })
  @IsOmittable()
  @IsString()
  @Length(1, 64)
  tentative?: string;

  @ApiPropertyOptional({ example: 'BUSINESS_TRIP' })
  @IsOmittable()
  @IsString()
  @Length(1, 64)
  workingElsewhere?: string;
}

export class UpdateCalendarPresenceSettingsDto extends UserSelectionDto {
  @ApiPropertyOptional({ description: 'Switches calendar presence on or off (features.calendarPresence)' })
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    type: StatusMappingDto,
    description:
      'Replaces the whole mapping; {} goes back to the default (busy → busy status, out of office → away)',
  })
  @IsOmittable()
  @ValidateNested()
  @Type(() => StatusMappingDto)
  mapping?: StatusMappingDto;

  @ApiPropertyOptional({
    minimum: 30,
    maximum: 900,
    description: 'Seconds between calendar reads; a status changes within this long of an event boundary',
  })
  @IsOmittable()
  @IsInt()
  @Min(30)
  @Max(900)
  pollIntervalSeconds?: number;
}

export class CalendarPresenceSettingsView {
  @ApiProperty() pbxTenantId!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ enum: SelectionMode }) selectionMode!: SelectionMode;
  @ApiProperty({ type: [String] }) selectedUsers!: string[];
  @ApiProperty({ type: [String] }) departments!: string[];
  @ApiProperty({ type: StatusMappingDto, description: 'The mapping in effect' }) mapping!: StatusMappingDto;
  @ApiProperty({
    description:
      "No mapping saved (or {} saved): busy shows the PBX's busy status, out of office its away status, " +
      'found among the statuses the PBX offers',
  })
  mappingIsDefault!: boolean;
  @ApiProperty({ type: [String], description: 'The status names the PBX offers' })
  availableStatuses!: string[];
  @ApiProperty() pollIntervalSeconds!: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastPolledAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ description: 'Users whose status calendar presence changed and will restore' })
  activeUsers!: number;
}
