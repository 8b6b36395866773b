import { ApiProperty } from '@nestjs/swagger';
import { PageResponse } from '../../common/page.response';
import { type UserEntity } from '../user.entity';
import { UserRole } from '../user-role';

/** A user as the API shows it: never the password or PIN hashes, nor the photo bytes. */
export class UserResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'null for system admins' })
  tenantId!: string | null;

  @ApiProperty()
  username!: string;

  @ApiProperty({ nullable: true, type: String, description: 'null for system admins' })
  extension!: string | null;

  @ApiProperty({ enum: UserRole })
  role!: UserRole;

  @ApiProperty()
  displayName!: string;

  @ApiProperty({ nullable: true, type: String })
  firstName!: string | null;

  @ApiProperty({ nullable: true, type: String })
  lastName!: string | null;

  @ApiProperty({ nullable: true, type: String })
  email!: string | null;

  @ApiProperty({ nullable: true, type: String })
  userPrincipalName!: string | null;

  @ApiProperty({ nullable: true, type: String })
  department!: string | null;

  @ApiProperty({ nullable: true, type: String })
  jobTitle!: string | null;

  @ApiProperty({ nullable: true, type: String })
  mobilePhone!: string | null;

  @ApiProperty({ type: [String] })
  businessPhones!: string[];

  @ApiProperty({ nullable: true, type: String })
  officeLocation!: string | null;

  @ApiProperty({ nullable: true, type: String })
  preferredLanguage!: string | null;

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({ description: 'Whether the user can sign in with a password' })
  hasPassword!: boolean;

  @ApiProperty({ description: 'Whether a voicemail PIN is set (the PIN itself is never shown)' })
  voicemailPinSet!: boolean;

  @ApiProperty({ description: 'Whether GET .../photo has a picture' })
  hasPhoto!: boolean;

  @ApiProperty()
  createdAt!: Date;

  @ApiProperty()
  updatedAt!: Date;

  static from(user: UserEntity): UserResponse {
    return {
      id: user.id,
      tenantId: user.tenant?.id ?? null,
      username: user.username,
      extension: user.extension,
      role: user.role,
      displayName: user.displayName,
      firstName: user.firstName,
      lastName: user.lastName,
      email: user.email,
      userPrincipalName: user.userPrincipalName,
      department: user.department,
      jobTitle: user.jobTitle,
      mobilePhone: user.mobilePhone,
      businessPhones: user.businessPhones,
      officeLocation: user.officeLocation,
      preferredLanguage: user.preferredLanguage,
      enabled: user.enabled,
      hasPassword: user.passwordHash !== null,
      voicemailPinSet: user.voicemailPinHash !== null,
      hasPhoto: user.photoContentType !== null,
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
    };
  }
}

export class UserPageResponse extends PageResponse(UserResponse) {}
