import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsString, Length, Max, Min, ValidateNested } from 'class-validator';
import { IsOmittable } from '../common/is-omittable.decorator';
import {
  CHANGE_NOTIFICATION_MODES,
  type TeamsPresenceChangeNotifications,
} from './teams-presence-settings.entity';

/** Teams state (an activity, or an availability) → PBX status name; a state left out does not change the status. */
export class TeamsStatusMappingDto {
  @ApiPropertyOptional({ example: 'DND' }) @IsOmittable() @IsString() @Length(1, 64) DoNotDisturb?: string;
  @ApiPropertyOptional({ example: 'DND' }) @IsOmittable() @IsString() @Length(1, 64) Presenting?: string;
  @ApiPropertyOptional({ example: 'IN_A_MEETING' })
  @IsOmittable()
  @IsString()
  @Length(1, 64)
  InACall?: string;
  @ApiPropertyOptional({ example: 'IN_A_MEETING' })
  @IsOmittable()
  @IsString()
  @Length(1, 64)
  InAConferenceCall?: string;
  @ApiPropertyOptional({ example: 'IN_A_MEETING' })
  @IsOmittable()
  @IsString()
  @Length(1, 64)
  InAMeeting?: string;
  @ApiPropertyOptional({ example: 'IN_A_MEETING' }) @IsOmittable() @IsString() @Length(1, 64) Busy?: string;
  @ApiPropertyOptional({ example: 'OUT_OF_OFFICE' })
  @IsOmittable()
  @IsString()
  @Length(1, 64)
  OutOfOffice?: string;
  @ApiPropertyOptional({ example: 'AWAY' }) @IsOmittable() @IsString() @Length(1, 64) BeRightBack?: string;
  @ApiPropertyOptional({ example: 'AWAY' }) @IsOmittable() @IsString() @Length(1, 64) Away?: string;
  @ApiPropertyOptional({ example: 'OFFLINE' }) @IsOmittable() @IsString() @Length(1, 64) OffWork?: string;
  @ApiPropertyOptional({ example: 'OFFLINE' }) @IsOmittable() @IsString() @Length(1, 64) Offline?: string;
  @ApiPropertyOptional({ example: 'AVAILABLE' }) @IsOmittable() @IsString() @Length(1, 64) Available?: string;
}

export const MIN_POLL_SECONDS = 30;
export const MAX_POLL_SECONDS = 3600;

export class UpdateTeamsPresenceSettingsDto {
  @ApiPropertyOptional({
    description:
      'PBX → Teams: a call on the PBX shows the user "In a call" in Teams (features.pbxToTeamsPresence; needs ' +
      "Presence.ReadWrite.All and the PBX's call states)",
  })
  @IsOmittable()
  @IsBoolean()
  toTeams?: boolean;

  @ApiPropertyOptional({
    description:
      'Teams → PBX: the Teams presence a user sets shows as their PBX status (features.teamsToPbxPresence; needs ' +
      'Presence.Read.All)',
  })
  @IsOmittable()
  @IsBoolean()
  fromTeams?: boolean;

  @ApiPropertyOptional({
    type: TeamsStatusMappingDto,
    description:
      'Replaces the whole mapping; {} goes back to the default, found among the statuses the PBX offers',
  })
  @IsOmittable()
  @ValidateNested()
  @Type(() => TeamsStatusMappingDto)
  mapping?: TeamsStatusMappingDto;

  @ApiPropertyOptional({
    minimum: MIN_POLL_SECONDS,
    maximum: MAX_POLL_SECONDS,
    example: 60,
    description: 'Seconds between two reads of Teams presence (Teams → PBX)',
  })
  @IsOmittable()
  @IsInt()
  @Min(MIN_POLL_SECONDS)
  @Max(MAX_POLL_SECONDS)
  pollIntervalSeconds?: number;

  @ApiPropertyOptional({
    enum: CHANGE_NOTIFICATION_MODES,
    example: 'serviceAccount',
    description:
      'Teams → PBX by change notifications through a service account an admin signs in once (delegated ' +
      'Presence.Read.All; POST .../teams-presence/service-account/sign-in), with a slow poll as safety net and ' +
      'polling as the fall-back; `off`: polling only. Not offered in 21Vianet.',
  })
  @IsOmittable()
  @IsIn(CHANGE_NOTIFICATION_MODES)
  changeNotifications?: TeamsPresenceChangeNotifications;
}

export class ServiceAccountFailureView {
  @ApiProperty({ example: 'AADSTS50173', description: "Microsoft's code" }) microsoftCode!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ type: String, format: 'date-time' }) at!: string;
}

export class ServiceAccountView {
  @ApiProperty({ example: 'presence-service@contoso.onmicrosoft.com' }) upn!: string;
  @ApiProperty({ type: String, format: 'date-time' }) signedInAt!: string;
  @ApiProperty({
    type: ServiceAccountFailureView,
    nullable: true,
    description: 'Entra refuses the account (sign it in again); null: it works',
  })
  failure!: ServiceAccountFailureView | null;
}

export class ChangeNotificationsStatusView {
  @ApiProperty({
    enum: ['off', 'active', 'polling'],
    description:
      '`active`: presence subscriptions are live and a notification reads just the users it names, while a full ' +
      'read still runs every `safetyPollIntervalSeconds`; `polling`: chosen but not usable now (`reason`), Teams ' +
      'presence polls at its interval; `off`: polling only, as chosen',
  })
  state!: 'off' | 'active' | 'polling';
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ type: ServiceAccountView, nullable: true, description: 'The signed-in service account' })
  serviceAccount!: ServiceAccountView | null;
  @ApiProperty({
    description: "Add this redirect URI (Web platform) to the Entra app for the service account's sign-in",
  })
  redirectUri!: string;
  @ApiProperty({
    description: 'Presence subscriptions held (650 users each, renewed before their hour is up)',
  })
  subscriptions!: number;
  @ApiProperty({ description: 'Seconds between full reads while subscriptions are live (the safety net)' })
  safetyPollIntervalSeconds!: number;
}

export class ServiceAccountSignInView {
  @ApiProperty({ description: "Open this in the admin's browser and sign the service account in" })
  authorizationUrl!: string;
  @ApiProperty({ description: 'Where Entra sends the browser back; must be registered on the Entra app' })
  redirectUri!: string;
}

export class TeamsPresenceSettingsView {
  @ApiProperty() pbxTenantId!: string;
  @ApiProperty({ description: 'PBX → Teams is switched on (and can work here)' }) toTeams!: boolean;
  @ApiProperty({ description: 'Teams → PBX is switched on (and can work here)' }) fromTeams!: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Why PBX → Teams cannot be used here; null: it can',
  })
  toTeamsUnavailable!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Why Teams → PBX cannot be used here; null: it can',
  })
  fromTeamsUnavailable!: string | null;
  @ApiProperty({ type: TeamsStatusMappingDto, description: 'The mapping in effect' })
  mapping!: TeamsStatusMappingDto;
  @ApiProperty({ description: 'No mapping saved: the usual PBX status names are looked for' })
  mappingIsDefault!: boolean;
  @ApiProperty({ type: [String], description: 'The status names the PBX offers' })
  availableStatuses!: string[];
  @ApiProperty() pollIntervalSeconds!: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastPolledAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ description: 'Users our application session shows busy or do-not-disturb in Teams now' })
  activeSessions!: number;
  @ApiProperty({ description: 'Users whose PBX status Teams presence changed and will restore' })
  activeUsers!: number;
  @ApiProperty({
    enum: CHANGE_NOTIFICATION_MODES,
    description: 'Teams → PBX by change notifications, or polling only',
  })
  changeNotifications!: TeamsPresenceChangeNotifications;
  @ApiProperty({ type: ChangeNotificationsStatusView })
  changeNotificationsStatus!: ChangeNotificationsStatusView;
}
