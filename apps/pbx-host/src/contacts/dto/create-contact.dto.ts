import { EmailListField } from './contact-fields';
import { DisplayNameField, NullableTextField, PhoneField, PhoneListField } from '../../users/dto/user-fields';

export class CreateContactDto {
  @DisplayNameField('required')
  displayName!: string;

  @NullableTextField('Dana')
  firstName?: string | null;

  @NullableTextField('Lee')
  lastName?: string | null;

  @NullableTextField('Fabrikam')
  company?: string | null;

  @NullableTextField('Buyer')
  jobTitle?: string | null;

  @PhoneListField('+44 20 7946 0000')
  businessPhones?: string[];

  @PhoneListField('+44 20 7946 0001')
  homePhones?: string[];

  @PhoneField()
  mobilePhone?: string | null;

  @EmailListField()
  emailAddresses?: string[];
}
