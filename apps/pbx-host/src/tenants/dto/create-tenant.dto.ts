import { ApiProperty } from '@nestjs/swagger';
import { CanonicalTimeZone, Trim, TrimLowerCase } from '../../common/transforms';
import { IsFQDN, IsNotEmpty, IsString, IsTimeZone, MaxLength } from 'class-validator';

export class CreateTenantDto {
  @ApiProperty({ example: 'Contoso Ltd', maxLength: 200 })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({
    example: 'contoso.pbx.example.com',
    description: 'Unique; stored lower-case',
    maxLength: 253,
  })
  @TrimLowerCase()
  @IsString()
  @MaxLength(253)
  @IsFQDN({ require_tld: true, allow_underscores: false }, { message: 'sipDomain must be a domain name' })
  sipDomain!: string;

  @ApiProperty({ example: 'Europe/Berlin', description: 'IANA time zone' })
  @CanonicalTimeZone()
  @IsString()
  @IsTimeZone({ message: 'timeZone must be an IANA time zone such as Europe/Berlin' })
  timeZone!: string;
}
