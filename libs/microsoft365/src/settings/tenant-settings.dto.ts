import { IsOmittable } from '../common/is-omittable.decorator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Microsoft365Cloud } from './microsoft365-cloud';

/** Longest SBC URL: a host name and a short path; the redirect URI built from it must stay well under Entra's limit. */
export const SBC_URL_MAX_LENGTH = 200;

export class FeatureSwitchesDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() userSync?: boolean;
  @ApiPropertyOptional({ description: 'Limit user sync to members of groups (needs GroupMember.Read.All)' })
  @IsOmittable()
  @IsBoolean()
  groupFilter?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() photos?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() personalContacts?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() sharedMailboxes?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() calendarPresence?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() mail?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() singleSignOn?: boolean;
  @ApiPropertyOptional({
    description: 'Teams presence, PBX → Teams (needs Presence.ReadWrite.All; not offered in 21Vianet)',
  })
  @IsOmittable()
  @IsBoolean()
  pbxToTeamsPresence?: boolean;
  @ApiPropertyOptional({
    description: 'Teams presence, Teams → PBX (needs Presence.Read.All; not offered in 21Vianet)',
  })
  @IsOmittable()
  @IsBoolean()
  teamsToPbxPresence?: boolean;
  @ApiPropertyOptional({
    description:
      'Selected Entra groups become PBX ring groups (needs GroupMember.Read.All and a PBX with groups)',
  })
  @IsOmittable()
  @IsBoolean()
  groupSync?: boolean;
}

/** A partial update: absent fields keep their value. */
export class UpdateTenantSettingsDto {
  @ApiPropertyOptional({
    description: 'Application (client) ID of the Entra app registration',
    format: 'uuid',
  })
  @IsOmittable()
  @IsUUID('all', { message: 'applicationId must be the Application (client) ID, a GUID' })
  applicationId?: string;

  @ApiPropertyOptional({ description: 'Directory (tenant) ID of your Microsoft 365 tenant', format: 'uuid' })
  @IsOmittable()
  @IsUUID('all', { message: 'directoryId must be the Directory (tenant) ID, a GUID' })
  directoryId?: string;

  @ApiPropertyOptional({ enum: Microsoft365Cloud })
  @IsOmittable()
  @IsEnum(Microsoft365Cloud, {
    message: `cloud must be one of ${Object.values(Microsoft365Cloud).join(', ')}`,
  })
  cloud?: Microsoft365Cloud;

  @ApiPropertyOptional({
    description:
      'Public https base URL of the SBC that fronts the PBX (no query or fragment); its sign-in callback becomes a ' +
      'second redirect URI, used by sign-ins that come through the SBC. null removes it.',
    example: 'https://sbc.example.com',
    nullable: true,
    type: String,
    maxLength: SBC_URL_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MaxLength(SBC_URL_MAX_LENGTH)
  @IsUrl(
    { protocols: ['https'], require_protocol: true, require_tld: false, disallow_auth: true },
    { message: 'sbcUrl must be an https URL, e.g. https://sbc.example.com' },
  )
  @Matches(/^https:\/\/[^?#\s]+$/i, { message: 'sbcUrl must not carry a query or a fragment' })
  sbcUrl?: string | null;

  @ApiPropertyOptional({ description: 'Switch the whole integration on or off; off keeps all data' })
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    description: 'Validity of newly generated certificates, in days',
    minimum: 30,
    maximum: 1095,
  })
  @IsOmittable()
  @IsInt()
  @Min(30)
  @Max(1095)
  certificateValidityDays?: number;

  @ApiPropertyOptional({ type: FeatureSwitchesDto })
  @IsOmittable()
  @ValidateNested()
  @Type(() => FeatureSwitchesDto)
  features?: FeatureSwitchesDto;
}

export class CertificateView {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['active', 'pending'] }) status!: string;
  @ApiProperty() subject!: string;
  @ApiProperty() thumbprintSha1!: string;
  @ApiProperty() thumbprintSha256!: string;
  @ApiProperty() notBefore!: string;
  @ApiProperty() notAfter!: string;
  @ApiProperty() daysUntilExpiry!: number;
  @ApiPropertyOptional({ nullable: true, type: String }) lastActivationError!: string | null;
}

export class SettingsWarningView {
  @ApiProperty({
    enum: [
      'CERTIFICATE_EXPIRES_IN_30_DAYS',
      'CERTIFICATE_EXPIRES_IN_7_DAYS',
      'CERTIFICATE_EXPIRED',
      'NO_CERTIFICATE',
      'CERTIFICATE_PENDING',
      'INCOMPLETE',
    ],
  })
  code!: string;
  @ApiProperty() message!: string;
}

export class AdminConsentView {
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      "Microsoft's admin consent URL for the app (v2.0 adminconsent, the cloud's Graph /.default scope): a global " +
      'admin opens it to grant every application permission the app registration lists',
  })
  url!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why there is no link yet' })
  unavailableReason!: string | null;
}

export class TenantSettingsView {
  @ApiProperty() pbxTenantId!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ nullable: true, type: String }) applicationId!: string | null;
  @ApiProperty({ nullable: true, type: String }) directoryId!: string | null;
  @ApiProperty({ enum: Microsoft365Cloud }) cloud!: Microsoft365Cloud;
  @ApiProperty({
    description: 'Paste these into the app registration (Authentication → Web → Redirect URIs)',
  })
  redirectUris!: string[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Public URL of the SBC fronting the PBX, if any',
  })
  sbcUrl!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The redirect URI of sign-ins through the SBC (also listed in redirectUris)',
  })
  sbcRedirectUri!: string | null;
  @ApiProperty({ type: AdminConsentView }) adminConsent!: AdminConsentView;
  @ApiProperty() certificateValidityDays!: number;
  @ApiProperty({ type: FeatureSwitchesDto }) features!: FeatureSwitchesDto;
  @ApiPropertyOptional({ type: CertificateView, nullable: true }) activeCertificate!: CertificateView | null;
  @ApiPropertyOptional({ type: CertificateView, nullable: true }) pendingCertificate!: CertificateView | null;
  @ApiProperty({ type: [SettingsWarningView] }) warnings!: SettingsWarningView[];
  @ApiProperty() updatedAt!: string;
}
