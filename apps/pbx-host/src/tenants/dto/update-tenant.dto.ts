import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptionalNotNull } from '../../common/optional-not-null.decorator';
import { CanonicalTimeZone, Trim, TrimLowerCase } from '../../common/transforms';
import { IsFQDN, IsNotEmpty, IsString, IsTimeZone, MaxLength } from 'class-validator';

export class UpdateTenantDto {
  @ApiPropertyOptional({ example: 'Contoso Ltd', maxLength: 200 })
  @IsOptionalNotNull()
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ example: 'contoso.pbx.example.com', maxLength: 253 })
  @IsOptionalNotNull()
  @TrimLowerCase()
  @IsString()
  @MaxLength(253)
  @IsFQDN({ require_tld: true, allow_underscores: false }, { message: 'sipDomain must be a domain name' })
  sipDomain?: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin' })
  @IsOptionalNotNull()
  @CanonicalTimeZone()
  @IsString()
  @IsTimeZone({ message: 'timeZone must be an IANA time zone such as Europe/Berlin' })
  timeZone?: string;
}
