import { IsOmittable } from '../common/is-omittable.decorator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsOptional,
  IsNotEmpty,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { SignInScope } from './sign-in-rules';

/**
 * Registered app redirect URIs: https (app links), or a private-use scheme in reverse-domain form
 * (`com.example.pbx:/sso`, RFC 8252 §7.1). The dot in the scheme keeps out `javascript:`, `data:` and friends.
 */
const APP_REDIRECT_URI = /^(https:\/\/[^\s#]+|[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:[^\s#]+)$/i;
const HTTPS_URI = /^https:\/\/[^\s#]+$/i;

export class SignInRuleDto {
  @ApiPropertyOptional({ description: 'Whether this role may sign in with Microsoft at all' })
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ description: 'Allowed from the web portal' })
  @IsOmittable()
  @IsBoolean()
  web?: boolean;

  @ApiPropertyOptional({ description: 'Allowed from the mobile app' })
  @IsOmittable()
  @IsBoolean()
  app?: boolean;

  @ApiPropertyOptional({
    enum: SignInScope,
    description: 'All users, only the selected, or all but the selected',
  })
  @IsOmittable()
  @IsEnum(SignInScope, { message: `scope must be one of ${Object.values(SignInScope).join(', ')}` })
  scope?: SignInScope;

  @ApiPropertyOptional({
    type: [String],
    description:
      'User principal names or object ids; resolved to object ids in Graph when saved, matched on those',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(256, { each: true })
  selectedUsers?: string[];
}

/** A Microsoft account that may sign in as one PBX system administrator. */
export class SystemAdminAccountDto {
  @ApiProperty({
    description: 'The Microsoft account: its object id (oid) in the system directory',
    format: 'uuid',
    example: '6e7b768e-07e2-4810-8459-485f84f8f204',
  })
  @IsUUID('all', { message: 'objectId must be the object id (a UUID) of a Microsoft account' })
  objectId!: string;

  @ApiProperty({ description: 'The PBX system administrator it signs in as', example: 'admin' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  adminId!: string;
}

/** A partial update: absent fields keep their value. */
export class UpdateSsoSettingsDto {
  @ApiPropertyOptional({
    type: SignInRuleDto,
    description: 'Tenant users (PortSIP: sign_in_as_standard_user)',
  })
  @IsOmittable()
  @ValidateNested()
  @Type(() => SignInRuleDto)
  users?: SignInRuleDto;

  @ApiPropertyOptional({
    type: SignInRuleDto,
    description: 'Tenant admins, or system admins for `system` (PortSIP: sign_in_as_administrator)',
  })
  @IsOmittable()
  @ValidateNested()
  @Type(() => SignInRuleDto)
  administrators?: SignInRuleDto;

  @ApiPropertyOptional({
    type: [String],
    description:
      'Where the mobile app may be sent back to: com.example.app:/path, or https app links a system administrator approved',
    example: ['com.example.pbx:/auth'],
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(512, { each: true })
  @Matches(APP_REDIRECT_URI, {
    each: true,
    message:
      'each appRedirectUris entry must be an https URI or a reverse-domain custom scheme URI without #',
  })
  appRedirectUris?: string[];

  @ApiPropertyOptional({
    type: [String],
    description:
      'System administrators only: the https app redirect URIs this tenant may register; replaces the list',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(512, { each: true })
  @Matches(HTTPS_URI, {
    each: true,
    message: 'each approvedAppRedirectUris entry must be an https URI without #',
  })
  approvedAppRedirectUris?: string[];

  @ApiPropertyOptional({
    type: [SystemAdminAccountDto],
    description:
      '`system` only: the Microsoft accounts (object ids) that may sign in, each as one system administrator; replaces the list',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => SystemAdminAccountDto)
  systemAdminAccounts?: SystemAdminAccountDto[];

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'domain_hint for Entra, e.g. contoso.com',
    example: 'contoso.com',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @Matches(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i, {
    message: 'domainHint must be a domain name such as contoso.com',
  })
  domainHint?: string | null;
}

export class SelectedUserView {
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'The object id sign-in matches; null for a name saved before names were resolved (save again)',
  })
  objectId!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The UPN when the rule was saved, for reading only',
  })
  userPrincipalName!: string | null;
}

export class SignInRuleView {
  @ApiProperty() enabled!: boolean;
  @ApiProperty() web!: boolean;
  @ApiProperty() app!: boolean;
  @ApiProperty({ enum: SignInScope }) scope!: SignInScope;
  @ApiProperty({ type: [SelectedUserView] }) selectedUsers!: SelectedUserView[];
}

export class SsoSettingsView {
  @ApiProperty() pbxTenantId!: string;
  @ApiProperty({
    description: 'Sign-in is offered: the integration and its singleSignOn feature switch are both on',
  })
  enabled!: boolean;
  @ApiProperty({ type: SignInRuleView }) users!: SignInRuleView;
  @ApiProperty({ type: SignInRuleView }) administrators!: SignInRuleView;
  @ApiProperty({ type: [String] }) appRedirectUris!: string[];
  @ApiProperty({ type: [String], description: 'https app redirect URIs a system administrator approved' })
  approvedAppRedirectUris!: string[];
  @ApiProperty({
    type: [SystemAdminAccountDto],
    description: '`system` only: Microsoft accounts bound to system administrators (empty for tenants)',
  })
  systemAdminAccounts!: SystemAdminAccountDto[];
  @ApiProperty({ nullable: true, type: String }) domainHint!: string | null;
  @ApiProperty({ description: 'Paste into the Entra app registration (Authentication → Web)' })
  redirectUris!: string[];
  @ApiProperty({ description: 'Where the login page sends users for this tenant' })
  loginUrl!: string;
  @ApiProperty() updatedAt!: string;
}
