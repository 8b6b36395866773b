import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum } from 'class-validator';
import { IsOmittable } from '../common/is-omittable.decorator';
import { FieldOwner, type OwnableField } from './field-ownership';

const OWNER_MESSAGE = `$property must be one of ${Object.values(FieldOwner).join(', ')}`;

/** One field's owner: may be left out (keeps what is stored), not sent as null. */
function Owner(description: string): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ enum: FieldOwner, description })(target, key);
    IsOmittable()(target, key);
    IsEnum(FieldOwner, { message: OWNER_MESSAGE })(target, key);
  };
}

/**
 * Per profile field: `MICROSOFT_365` overwrites it on every sync, `PBX` sets it when the sync creates the PBX user
 * and never again (a local caller-ID survives). Fields left out keep their stored owner; an unknown field is a
 * 400 naming it (the validation pipe refuses properties that are not declared here).
 */
export class FieldOwnershipDto implements Partial<Record<OwnableField, FieldOwner>> {
  @Owner('Display name (the caller-ID name)') displayName?: FieldOwner;
  @Owner('First name') firstName?: FieldOwner;
  @Owner('Last name') lastName?: FieldOwner;
  @Owner('Email address') email?: FieldOwner;
  @Owner('Business phone numbers') businessPhones?: FieldOwner;
  @Owner('Mobile phone number') mobilePhone?: FieldOwner;
  @Owner('Job title') jobTitle?: FieldOwner;
  @Owner('Department') department?: FieldOwner;
  @Owner('Profile photo; a photo the PBX owns is not even read from Microsoft 365 after creation')
  photo?: FieldOwner;
}

/** Every ownable field with its owner in effect. */
export class FieldOwnershipView implements Record<OwnableField, FieldOwner> {
  @ApiProperty({ enum: FieldOwner }) displayName!: FieldOwner;
  @ApiProperty({ enum: FieldOwner }) firstName!: FieldOwner;
  @ApiProperty({ enum: FieldOwner }) lastName!: FieldOwner;
  @ApiProperty({ enum: FieldOwner }) email!: FieldOwner;
  @ApiProperty({ enum: FieldOwner }) businessPhones!: FieldOwner;
  @ApiProperty({ enum: FieldOwner }) mobilePhone!: FieldOwner;
  @ApiProperty({ enum: FieldOwner }) jobTitle!: FieldOwner;
  @ApiProperty({ enum: FieldOwner }) department!: FieldOwner;
  @ApiProperty({ enum: FieldOwner }) photo!: FieldOwner;
}
