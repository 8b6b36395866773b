import { FeatureHealthView } from '../health/feature-health.view';
import { IsOmittable } from '../common/is-omittable.decorator';
import { UserSelectionDto } from '../common/user-selection.dto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';
import { FieldOwnershipDto, FieldOwnershipView } from './field-ownership.dto';
import { ProvisioningLogRetentionField } from '../provisioning-log/provisioning-log-retention';
import { IsCronSchedule, IsTimeZone } from './schedule.validators';
import { EXTENSION_SOURCES, type ExtensionSource } from './extension-source';
import { SelectionMode } from './user-scope';
import { LeaverPolicy } from './user-sync-plan';

const FIELD_OWNERSHIP_MESSAGE = 'fieldOwnership must be an object of profile field → MICROSOFT_365 or PBX';
const EXTENSION_MESSAGE = '$property must be 3 to 13 digits without a leading zero';

/** A partial update of the user sync settings: absent fields keep their value. */
export class UpdateUserSyncSettingsDto extends UserSelectionDto {
  @ApiPropertyOptional({ description: 'Also sync guests (userType Guest)' })
  @IsOmittable()
  @IsBoolean()
  includeGuests?: boolean;

  @ApiPropertyOptional({
    type: [String],
    description: 'Only members of these groups (object ids), nested groups included; [] = no group filter',
    example: [],
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true, message: 'each groupIds entry must be a group object id (GUID)' })
  groupIds?: string[];

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: '1000',
    description: 'First extension number; null = first free',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @Matches(/^[1-9][0-9]{2,12}$/, { message: EXTENSION_MESSAGE })
  extensionStart?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: '1999',
    description: 'Last extension number',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @Matches(/^[1-9][0-9]{2,12}$/, { message: EXTENSION_MESSAGE })
  extensionEnd?: string | null;

  @ApiPropertyOptional({
    enum: EXTENSION_SOURCES,
    example: 'EXTENSION_ATTRIBUTE_1',
    description:
      "Where a new user's extension comes from: ALLOCATOR (first free number of the range, the default), " +
      'EXTENSION_ATTRIBUTE_1..15 (onPremisesExtensionAttributes), EMPLOYEE_ID, or BUSINESS_PHONE_EXTENSION (the ' +
      'digits after x or ext in the first business phone); an empty, invalid, taken or out-of-range value falls ' +
      'back to the allocator',
  })
  @IsOmittable()
  @IsIn(EXTENSION_SOURCES, { message: `extensionSource must be one of ${EXTENSION_SOURCES.join(', ')}` })
  extensionSource?: ExtensionSource;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: '+1 425 555 0100 x{extension}',
    description:
      "Write each synced user's extension into their Entra business phone with this template ({extension} once, " +
      "phone characters; {did} for the user's DID when the PBX provides DIDs; needs User-Phone.ReadWrite.All); " +
      'only where the field is empty or holds what the PBX wrote before; null = off',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString({ message: 'businessPhoneTemplate must be a string or null' })
  businessPhoneTemplate?: string | null;

  @ApiPropertyOptional({
    description: 'Link PBX users with the same UPN or email instead of creating new ones',
  })
  @IsOmittable()
  @IsBoolean()
  linkExistingUsers?: boolean;

  @ApiPropertyOptional({ enum: LeaverPolicy })
  @IsOmittable()
  @IsEnum(LeaverPolicy, { message: `leaverPolicy must be one of ${Object.values(LeaverPolicy).join(', ')}` })
  leaverPolicy?: LeaverPolicy;

  @ApiPropertyOptional({ description: 'Copy profile photos (needs ProfilePhoto.Read.All or User.Read.All)' })
  @IsOmittable()
  @IsBoolean()
  syncPhotos?: boolean;

  @ApiPropertyOptional({
    type: FieldOwnershipDto,
    description:
      'Per profile field: MICROSOFT_365 (overwritten on every sync, the default) or PBX (set when the user is ' +
      'created, then kept as the PBX has it); fields left out keep their owner',
    example: { displayName: 'PBX', photo: 'PBX' },
  })
  @IsOmittable()
  @IsObject({ message: FIELD_OWNERSHIP_MESSAGE })
  @ValidateNested({ message: FIELD_OWNERSHIP_MESSAGE })
  @Type(() => FieldOwnershipDto)
  fieldOwnership?: FieldOwnershipDto;

  @ApiPropertyOptional({ description: 'Run on the schedule below' })
  @IsOmittable()
  @IsBoolean()
  scheduleEnabled?: boolean;

  @ApiPropertyOptional({ example: '0 0 * * *', description: 'Five-field cron expression' })
  @IsOmittable()
  @IsCronSchedule()
  scheduleCron?: string;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'Europe/Berlin',
    description: "IANA time zone of the schedule; null = the PBX tenant's time zone",
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsTimeZone()
  scheduleTimeZone?: string | null;

  @ApiPropertyOptional({ minimum: 0, maximum: 1_000_000 })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  deletionGuardMaxUsers?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 100 })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(100)
  deletionGuardMaxPercent?: number;

  @ProvisioningLogRetentionField()
  provisioningLogRetentionDays?: number;
}

export class UserSyncSettingsView {
  @ApiPropertyOptional({
    type: FeatureHealthView,
    description:
      'Healthy, degraded or quarantined, the last failure and the next attempt (as GET .../health)',
  })
  health?: FeatureHealthView;

  @ApiProperty() pbxTenantId!: string;
  @ApiProperty() includeGuests!: boolean;
  @ApiProperty({ enum: SelectionMode }) selectionMode!: SelectionMode;
  @ApiProperty({ type: [String] }) selectedUsers!: string[];
  @ApiProperty({ type: [String] }) departments!: string[];
  @ApiProperty({ type: [String] }) groupIds!: string[];
  @ApiProperty({ nullable: true, type: String }) extensionStart!: string | null;
  @ApiProperty({ nullable: true, type: String }) extensionEnd!: string | null;
  @ApiProperty({ enum: EXTENSION_SOURCES, description: "Where a new user's extension comes from" })
  extensionSource!: ExtensionSource;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Business phone write-back template; null = off',
  })
  businessPhoneTemplate!: string | null;
  @ApiProperty() linkExistingUsers!: boolean;
  @ApiProperty({ enum: LeaverPolicy }) leaverPolicy!: LeaverPolicy;
  @ApiProperty() syncPhotos!: boolean;
  @ApiProperty({
    type: FieldOwnershipView,
    description: 'Who owns each profile field: MICROSOFT_365 (overwritten on every sync) or PBX (kept)',
  })
  fieldOwnership!: FieldOwnershipView;
  @ApiProperty() scheduleEnabled!: boolean;
  @ApiProperty() scheduleCron!: string;
  @ApiProperty({ description: "The schedule's time zone in effect: the one set here, else the PBX tenant's" })
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
  @ApiProperty() deletionGuardMaxUsers!: number;
  @ApiProperty() deletionGuardMaxPercent!: number;
  @ApiProperty({ description: 'Days the provisioning log keeps its entries' })
  provisioningLogRetentionDays!: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastFullRunAt!: string | null;
  @ApiProperty({ description: 'Whether the next run can be incremental' }) incrementalReady!: boolean;
  @ApiProperty({
    type: [String],
    description: 'What the admin should know, e.g. an extension range that overlaps numbers the PBX uses',
  })
  warnings!: string[];
}
