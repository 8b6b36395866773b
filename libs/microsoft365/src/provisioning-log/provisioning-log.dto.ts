import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsString, IsUUID, Length, Matches } from 'class-validator';
import { IsOmittable } from '../common/is-omittable.decorator';
import { IsPbxId } from '../common/pbx-id';
import { PageQueryDto } from '../user-sync/user-sync-requests.dto';
import { type ProvisioningLogEntryEntity } from './provisioning-log-entry.entity';
import {
  type MailboxCounts,
  ProvisioningAction,
  type ProvisioningFieldChange,
} from './provisioning-log-entry';

/** Filters of the provisioning log; all optional and combined with AND, newest entries first. */
export class ProvisioningLogQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only this run' })
  @IsOmittable()
  @IsUUID('all', { message: 'runId must be the id of a run (UUID)' })
  runId?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Only this Microsoft 365 user or mailbox (Entra object id)',
  })
  @IsOmittable()
  @IsUUID('all', { message: 'objectId must be an Entra object id (GUID)' })
  objectId?: string;

  @ApiPropertyOptional({
    example: 'adele@contoso.com',
    description: 'Only entries written under this user principal name (case-insensitive)',
  })
  @IsOmittable()
  @IsString()
  @Length(3, 256)
  @Matches(/^[^@\s]+@[^@\s]+$/, { message: 'upn must be a user principal name (name@domain)' })
  upn?: string;

  @ApiPropertyOptional({ example: '42', description: 'Only this PBX user' })
  @IsOmittable()
  @IsPbxId('a PBX user')
  pbxUserId?: string;

  @ApiPropertyOptional({ enum: ProvisioningAction })
  @IsOmittable()
  @IsEnum(ProvisioningAction, {
    message: `action must be one of ${Object.values(ProvisioningAction).join(', ')}`,
  })
  action?: ProvisioningAction;
}

export class ProvisioningFieldChangeView {
  @ApiProperty({ example: 'jobTitle' }) field!: string;
  @ApiProperty({ nullable: true, example: 'Sales' }) from!: unknown;
  @ApiProperty({ nullable: true, example: 'Head of Sales' }) to!: unknown;
}

/** One entry: what one run did to one user (user sync) or one mailbox (contact sync). */
export class ProvisioningLogEntryView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) runId!: string;
  @ApiProperty({ enum: ProvisioningAction }) action!: ProvisioningAction;
  @ApiProperty({ description: 'Entra object id of the user or mailbox' }) objectId!: string;
  @ApiProperty({ nullable: true, type: String }) userPrincipalName!: string | null;
  @ApiProperty({ nullable: true, type: String }) pbxUserId!: string | null;
  @ApiProperty({ nullable: true, type: String }) extension!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Skip or leaver reason, how a link matched, or the error code of a failure',
  })
  reason!: string | null;
  @ApiProperty({ nullable: true, type: String }) message!: string | null;
  @ApiProperty({
    nullable: true,
    type: [ProvisioningFieldChangeView],
    description: 'Changed profile fields, old and new value',
  })
  changes!: ProvisioningFieldChange[] | null;
  @ApiProperty({ nullable: true, description: 'Contact sync: folders and contacts written in the mailbox' })
  counts!: MailboxCounts | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static of(entry: ProvisioningLogEntryEntity): ProvisioningLogEntryView {
    return {
      id: entry.id,
      runId: entry.runId,
      action: entry.action,
      objectId: entry.objectId,
      userPrincipalName: entry.userPrincipalName,
      pbxUserId: entry.pbxUserId,
      extension: entry.extension,
      reason: entry.reason,
      message: entry.message,
      changes: entry.changes,
      counts: entry.counts,
      createdAt: entry.createdAt.toISOString(),
    };
  }
}
