import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsEnum, IsOptional, IsUUID, ValidateIf } from 'class-validator';
import { IsOmittable } from '../common/is-omittable.decorator';
import { FeatureHealthView } from '../health/feature-health.view';
import { IsCronSchedule, IsTimeZone } from '../user-sync/schedule.validators';
import { LeaverPolicy } from '../user-sync/user-sync-plan';
import { GroupSyncSchedule } from './group-sync-settings.entity';

/** Groups one tenant may sync; each costs two requests on a full read and is watched through one delta. */
export const MAX_SYNCED_GROUPS = 200;

/** A partial update of the group sync settings: absent fields keep their value. */
export class UpdateGroupSyncSettingsDto {
  @ApiPropertyOptional({
    type: [String],
    example: ['b320ee12-b1cd-4cca-b648-a437be61c5cd'],
    description:
      'Object ids of the Entra security or Microsoft 365 groups that become PBX groups (pick them with GET ' +
      '.../directory/groups); nested groups count with their members',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(MAX_SYNCED_GROUPS)
  @IsUUID('all', { each: true, message: 'each groupIds entry must be a group object id (GUID)' })
  groupIds?: string[];

  @ApiPropertyOptional({
    enum: LeaverPolicy,
    description: 'What happens to the PBX group of an Entra group that was deleted or deselected',
  })
  @IsOmittable()
  @IsEnum(LeaverPolicy, { message: `leaverPolicy must be one of ${Object.values(LeaverPolicy).join(', ')}` })
  leaverPolicy?: LeaverPolicy;

  @ApiPropertyOptional({
    enum: GroupSyncSchedule,
    description: 'Manual only, its own cron expression, or right after each user sync (the default)',
  })
  @IsOmittable()
  @IsEnum(GroupSyncSchedule, {
    message: `schedule must be one of ${Object.values(GroupSyncSchedule).join(', ')}`,
  })
  schedule?: GroupSyncSchedule;

  @ApiPropertyOptional({ example: '30 1 * * *', description: 'Five-field cron expression (schedule CRON)' })
  @IsOmittable()
  @IsCronSchedule()
  scheduleCron?: string;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'Europe/Berlin',
    description: "IANA time zone of the cron schedule; null = the PBX tenant's time zone",
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsTimeZone()
  scheduleTimeZone?: string | null;
}

export class GroupSyncSettingsView {
  @ApiPropertyOptional({
    type: FeatureHealthView,
    description:
      'Healthy, degraded or quarantined, the last failure and the next attempt (as GET .../health)',
  })
  health?: FeatureHealthView;

  @ApiProperty() pbxTenantId!: string;
  @ApiProperty({ description: 'The tenant feature switch features.groupSync (off by default)' })
  enabled!: boolean;
  @ApiProperty({ type: [String] }) groupIds!: string[];
  @ApiProperty({ enum: LeaverPolicy }) leaverPolicy!: LeaverPolicy;
  @ApiProperty({ enum: GroupSyncSchedule }) schedule!: GroupSyncSchedule;
  @ApiProperty() scheduleCron!: string;
  @ApiProperty({
    description: "The cron schedule's time zone in effect: the one set here, else the PBX tenant's",
  })
  scheduleTimeZone!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "The time zone set here; null when the schedule follows the PBX tenant's time zone",
  })
  scheduleTimeZoneSetting!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: "The schedule's next slot, in the schedule's time zone's terms (the cron's time)",
  })
  nextScheduledRunAt!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description:
      "When that slot's run starts: tenants scheduled for the same time are spread over a window (module option " +
      '`jobs.spreadSeconds`, default 5 minutes), each at its own fixed offset',
  })
  nextScheduledStartAt!: string | null;
}

export class StartGroupSyncDto {
  @ApiPropertyOptional({ description: 'Read every selected group in full instead of only the groups delta' })
  @IsOmittable()
  @IsBoolean()
  full?: boolean;

  @ApiPropertyOptional({ description: 'Plan only: the run shows what it would do and changes nothing' })
  @IsOmittable()
  @IsBoolean()
  dryRun?: boolean;
}
