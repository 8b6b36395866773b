import {
  DisplayNameField,
  EmailField,
  EnabledField,
  ExtensionField,
  NullableTextField,
  PasswordField,
  PhoneField,
  PhoneListField,
  PreferredLanguageField,
  RoleField,
  UsernameField,
  UserPrincipalNameField,
  VoicemailPinField,
} from './user-fields';
import { type TenantRole } from '../user-role';

/** Every field optional; nullable ones may be set to null to clear them, the others may not. */
export class UpdateUserDto {
  @UsernameField('optional')
  username?: string;

  @ExtensionField('optional')
  extension?: string;

  @RoleField()
  role?: TenantRole;

  @DisplayNameField('optional')
  displayName?: string;

  @NullableTextField('Alice')
  firstName?: string | null;

  @NullableTextField('Smith')
  lastName?: string | null;

  @EmailField()
  email?: string | null;

  @UserPrincipalNameField()
  userPrincipalName?: string | null;

  @NullableTextField('Sales')
  department?: string | null;

  @NullableTextField('Account manager')
  jobTitle?: string | null;

  @PhoneField()
  mobilePhone?: string | null;

  @PhoneListField('+1 425 555 0100')
  businessPhones?: string[];

  @NullableTextField('Building 4, room 101')
  officeLocation?: string | null;

  @PreferredLanguageField()
  preferredLanguage?: string | null;

  @EnabledField()
  enabled?: boolean;

  @PasswordField()
  password?: string;

  @VoicemailPinField()
  voicemailPin?: string | null;
}
