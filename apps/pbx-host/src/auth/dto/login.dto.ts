import { IsOmittable } from '@pbx/microsoft365';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TrimLowerCase } from '../../common/transforms';
import { IsFQDN, IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'alice', maxLength: 64 })
  @TrimLowerCase()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  username!: string;

  @ApiProperty({ example: 'correct horse battery staple', maxLength: 128, writeOnly: true })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  password!: string;

  @ApiPropertyOptional({
    example: 'contoso.pbx.example.com',
    description: "The tenant's SIP domain; leave out to sign in as a system admin",
  })
  @IsOmittable()
  @TrimLowerCase()
  @IsString()
  @MaxLength(253)
  @IsFQDN({ require_tld: true }, { message: 'sipDomain must be a domain name' })
  sipDomain?: string;
}
