import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptionalNotNull } from '../../common/optional-not-null.decorator';
import { Trim, TrimLowerCase } from '../../common/transforms';
import { TENANT_ROLES } from '../user-role';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';

/**
 * Validation of user fields, shared by create and update. `required`: must be present; `optional`: may be left
 * out but not set to null; nullable fields may always be null (which clears them).
 */
export type Presence = 'required' | 'optional';

const presence = (mode: Presence) => (mode === 'optional' ? [IsOptionalNotNull()] : []);
const doc = (mode: Presence, options: Parameters<typeof ApiProperty>[0]) =>
  mode === 'required' ? ApiProperty(options) : ApiPropertyOptional(options);

export const EXTENSION_PATTERN = /^[0-9]{3,13}$/;
export const PHONE_PATTERN = /^[0-9+*#() ./-]+$/;
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._@-]*$/;
export const LANGUAGE_TAG_PATTERN = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
export const UPN_PATTERN = /^[^\s@]+@[^\s@]+$/;

export const UsernameField = (mode: Presence) =>
  applyDecorators(
    doc(mode, {
      example: 'alice',
      description: 'Login name, unique per tenant, stored lower-case',
      maxLength: 64,
    }),
    ...presence(mode),
    TrimLowerCase(),
    IsString(),
    MaxLength(64),
    Matches(USERNAME_PATTERN, {
      message:
        'username must start with a letter or digit and contain only letters, digits, ".", "_", "@" and "-"',
    }),
  );

export const ExtensionField = (mode: Presence) =>
  applyDecorators(
    doc(mode, {
      example: '201',
      description: '3 to 13 digits, unique per tenant',
      pattern: EXTENSION_PATTERN.source,
    }),
    ...presence(mode),
    IsString(),
    Matches(EXTENSION_PATTERN, { message: 'extension must be 3 to 13 digits' }),
  );

export const RoleField = () =>
  applyDecorators(
    ApiPropertyOptional({ enum: TENANT_ROLES, default: 'user' }),
    IsOptionalNotNull(),
    IsIn(TENANT_ROLES, { message: `role must be one of ${TENANT_ROLES.join(', ')}` }),
  );

export const DisplayNameField = (mode: Presence) =>
  applyDecorators(
    doc(mode, { example: 'Alice Smith', maxLength: 256 }),
    ...presence(mode),
    Trim(),
    IsString(),
    IsNotEmpty(),
    MaxLength(256),
  );

/** A free-text profile field that may be null. */
export const NullableTextField = (example: string, maxLength = 256) =>
  applyDecorators(
    ApiPropertyOptional({ example, maxLength, nullable: true, type: String }),
    IsOptional(),
    Trim(),
    IsString(),
    MaxLength(maxLength),
  );

export const EmailField = () =>
  applyDecorators(
    ApiPropertyOptional({ example: 'alice@contoso.com', nullable: true, type: String, maxLength: 254 }),
    IsOptional(),
    Trim(),
    IsString(),
    MaxLength(254),
    IsEmail({}, { message: 'email must be an email address' }),
  );

export const UserPrincipalNameField = () =>
  applyDecorators(
    ApiPropertyOptional({
      example: 'alice@contoso.onmicrosoft.com',
      nullable: true,
      type: String,
      maxLength: 254,
    }),
    IsOptional(),
    Trim(),
    IsString(),
    MaxLength(254),
    Matches(UPN_PATTERN, { message: 'userPrincipalName must look like name@domain' }),
  );

export const PhoneField = () =>
  applyDecorators(
    ApiPropertyOptional({ example: '+1 425 555 0100', nullable: true, type: String, maxLength: 64 }),
    IsOptional(),
    Trim(),
    IsString(),
    MaxLength(64),
    Matches(PHONE_PATTERN, { message: 'mobilePhone may contain only digits, spaces and + * # ( ) . / -' }),
  );

export const PhoneListField = (example: string) =>
  applyDecorators(
    ApiPropertyOptional({ type: [String], example: [example], maxItems: 10 }),
    IsOptionalNotNull(),
    IsArray(),
    ArrayMaxSize(10),
    IsString({ each: true }),
    MaxLength(64, { each: true }),
    Matches(PHONE_PATTERN, {
      each: true,
      message: 'each phone number may contain only digits, spaces and + * # ( ) . / -',
    }),
  );

export const PreferredLanguageField = () =>
  applyDecorators(
    ApiPropertyOptional({
      example: 'en-US',
      nullable: true,
      type: String,
      description: 'BCP 47 language tag',
    }),
    IsOptional(),
    IsString(),
    MaxLength(35),
    Matches(LANGUAGE_TAG_PATTERN, { message: 'preferredLanguage must be a language tag such as en-US' }),
  );

export const EnabledField = () =>
  applyDecorators(ApiPropertyOptional({ default: true }), IsOptionalNotNull(), IsBoolean());

export const PasswordField = () =>
  applyDecorators(
    ApiPropertyOptional({
      minLength: 8,
      maxLength: 128,
      description: 'Leave out for users who sign in with Microsoft only',
      writeOnly: true,
    }),
    IsOptionalNotNull(),
    IsString(),
    MinLength(8),
    MaxLength(128),
  );

export const VoicemailPinField = () =>
  applyDecorators(
    ApiPropertyOptional({
      example: '4711',
      nullable: true,
      type: String,
      writeOnly: true,
      description: '4 to 10 digits',
    }),
    IsOptional(),
    IsString(),
    Matches(/^[0-9]{4,10}$/, { message: 'voicemailPin must be 4 to 10 digits' }),
  );
