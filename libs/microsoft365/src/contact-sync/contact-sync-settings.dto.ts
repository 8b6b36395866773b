import { FeatureHealthView } from '../health/feature-health.view';
import { IsOmittable } from '../common/is-omittable.decorator';
import { UserSelectionDto } from '../common/user-selection.dto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsOptional,
  IsString,
  Matches,
  ValidateIf,
} from 'class-validator';
import { ProvisioningLogRetentionField } from '../provisioning-log/provisioning-log-retention';
import { ContactSyncSchedule } from './contact-sync-settings.entity';
import { IsCronSchedule, IsTimeZone } from '../user-sync/schedule.validators';
import { SelectionMode } from '../user-sync/user-scope';

/** A partial update of the contact sync settings: absent fields keep their value. */
export class UpdateContactSyncSettingsDto extends UserSelectionDto {
  @ApiPropertyOptional({
    type: [String],
    example: ['reception@contoso.com'],
    description: 'UPNs of shared mailboxes whose contacts become company contacts',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Matches(/^[^@\s]{1,128}@[^@\s]+\.[^@\s]{2,}$/, {
    each: true,
    message: 'each shared mailbox must be a user principal name such as reception@contoso.com',
  })
  sharedMailboxes?: string[];

  @ApiPropertyOptional({
    enum: ContactSyncSchedule,
    description: 'Manual only, its own cron expression, or right after each user sync that changed PBX users',
  })
  @IsOmittable()
  @IsEnum(ContactSyncSchedule, {
    message: `schedule must be one of ${Object.values(ContactSyncSchedule).join(', ')}`,
  })
  schedule?: ContactSyncSchedule;

  @ApiPropertyOptional({ example: '0 1 * * *', description: 'Five-field cron expression (schedule CRON)' })
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

  @ProvisioningLogRetentionField()
  provisioningLogRetentionDays?: number;
}

export class ContactSyncSettingsView {
  @ApiPropertyOptional({
    type: FeatureHealthView,
    description:
      'Healthy, degraded or quarantined, the last failure and the next attempt (as GET .../health)',
  })
  health?: FeatureHealthView;

  @ApiProperty() pbxTenantId!: string;
  @ApiProperty({ description: 'The tenant feature switch features.personalContacts' })
  personalContactsEnabled!: boolean;
  @ApiProperty({ description: 'The tenant feature switch features.sharedMailboxes' })
  sharedMailboxesEnabled!: boolean;
  @ApiProperty({ enum: SelectionMode }) selectionMode!: SelectionMode;
  @ApiProperty({ type: [String] }) selectedUsers!: string[];
  @ApiProperty({ type: [String] }) departments!: string[];
  @ApiProperty({ type: [String] }) sharedMailboxes!: string[];
  @ApiProperty({ enum: ContactSyncSchedule }) schedule!: ContactSyncSchedule;
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
  @ApiProperty({ description: 'Days the provisioning log keeps its entries' })
  provisioningLogRetentionDays!: number;
}

export class SharedMailboxCandidateView {
  @ApiProperty() objectId!: string;
  @ApiProperty() userPrincipalName!: string;
  @ApiProperty({ nullable: true, type: String }) displayName!: string | null;
  @ApiProperty({ description: 'Already in the list of synced shared mailboxes' }) selected!: boolean;
}

export class StartContactSyncDto {
  @ApiPropertyOptional({ description: 'Read every folder in full instead of only the changes' })
  @IsOmittable()
  @IsBoolean()
  full?: boolean;
}
