import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { SelectionMode } from '@pbx/microsoft365/user-sync/user-scope';

/** Calendar state → host status name; a state left out does not change the status. */
export class StatusMappingDto {
  @ApiPropertyOptional({ example: 'IN_A_MEETING' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  busy?: string;

  @ApiPropertyOptional({ example: 'OUT_OF_OFFICE' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  oof?: string;

  @ApiPropertyOptional({ example: 'AWAY' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  tentative?: string;

  @ApiPropertyOptional({ example: 'BUSINESS_TRIP' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  workingElsewhere?: string;
}

export class UpdateCalendarPresenceSettingsDto {
  @ApiPropertyOptional({ description: 'Switches calendar presence on or off (features.calendarPresence)' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    enum: SelectionMode,
    description: 'All synced users, only the selected ones, or all but them',
  })
  @IsOptional()
  @IsEnum(SelectionMode, {
    message: `selectionMode must be one of ${Object.values(SelectionMode).join(', ')}`,
  })
  selectionMode?: SelectionMode;

  @ApiPropertyOptional({ type: [String], description: 'UPNs or object ids for INCLUDE/EXCLUDE' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  selectedUsers?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Only users of these departments' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  departments?: string[];

  @ApiPropertyOptional({ type: StatusMappingDto, description: 'Replaces the whole mapping' })
  @IsOptional()
  @ValidateNested()
  @Type(() => StatusMappingDto)
  mapping?: StatusMappingDto;

  @ApiPropertyOptional({
    minimum: 30,
    maximum: 900,
    description: 'Seconds between calendar reads; a status changes within this long of an event boundary',
  })
  @IsOptional()
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
  @ApiProperty({ type: StatusMappingDto }) mapping!: StatusMappingDto;
  @ApiProperty({ type: [String], description: 'The status names the PBX offers' })
  availableStatuses!: string[];
  @ApiProperty() pollIntervalSeconds!: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastPolledAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ description: 'Users whose status calendar presence changed and will restore' })
  activeUsers!: number;
}
