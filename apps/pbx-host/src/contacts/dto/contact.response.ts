import { ApiProperty } from '@nestjs/swagger';
import { PageResponse } from '../../common/page.response';
import { type ContactEntity } from '../contact.entity';
import { ContactOwnerKind } from '../contact-owner-kind';

export class ContactResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ContactOwnerKind })
  ownerKind!: ContactOwnerKind;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'null for company contacts' })
  ownerUserId!: string | null;

  @ApiProperty()
  displayName!: string;

  @ApiProperty({ nullable: true, type: String })
  firstName!: string | null;

  @ApiProperty({ nullable: true, type: String })
  lastName!: string | null;

  @ApiProperty({ nullable: true, type: String })
  company!: string | null;

  @ApiProperty({ nullable: true, type: String })
  jobTitle!: string | null;

  @ApiProperty({ type: [String] })
  businessPhones!: string[];

  @ApiProperty({ type: [String] })
  homePhones!: string[];

  @ApiProperty({ nullable: true, type: String })
  mobilePhone!: string | null;

  @ApiProperty({ type: [String] })
  emailAddresses!: string[];

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'microsoft365',
    description: 'The integration that wrote the contact; null when made by hand',
  })
  externalSource!: string | null;

  @ApiProperty({ nullable: true, type: String, description: "The contact's id in that integration" })
  externalId!: string | null;

  @ApiProperty()
  createdAt!: Date;

  @ApiProperty()
  updatedAt!: Date;

  static from(contact: ContactEntity): ContactResponse {
    return {
      id: contact.id,
      ownerKind: contact.ownerKind,
      ownerUserId: contact.ownerUser?.id ?? null,
      displayName: contact.displayName,
      firstName: contact.firstName,
      lastName: contact.lastName,
      company: contact.company,
      jobTitle: contact.jobTitle,
      businessPhones: contact.businessPhones,
      homePhones: contact.homePhones,
      mobilePhone: contact.mobilePhone,
      emailAddresses: contact.emailAddresses,
      externalSource: contact.externalSource,
      externalId: contact.externalId,
      createdAt: contact.createdAt,
      updatedAt: contact.updatedAt,
    };
  }
}

export class ContactPageResponse extends PageResponse(ContactResponse) {}
