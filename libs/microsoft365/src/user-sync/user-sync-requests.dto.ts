import { IsOmittable } from '../common/is-omittable.decorator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsString, Length, Max, Min } from 'class-validator';
import { IsPbxId } from '../common/pbx-id';

const RUN_MODES = ['full', 'incremental'] as const;

export class StartUserSyncDto {
  @ApiPropertyOptional({
    enum: RUN_MODES,
    default: 'full',
    description:
      '`full` (the default) reads every user and restores PBX users deleted or edited in the PBX; ' +
      '`incremental` reads only the changes Microsoft 365 reports since the last run (a first run, or one after ' +
      'a scope change, is full anyway)',
  })
  @IsOmittable()
  @IsIn(RUN_MODES, { message: `mode must be one of ${RUN_MODES.join(', ')}` })
  mode?: (typeof RUN_MODES)[number];

  @ApiPropertyOptional({ description: 'Same as `mode: "full"`; kept for existing clients' })
  @IsOmittable()
  @IsBoolean()
  full?: boolean;

  @ApiPropertyOptional({ description: 'Plan only: report what would happen, change nothing' })
  @IsOmittable()
  @IsBoolean()
  dryRun?: boolean;
}

export class OnDemandSyncDto {
  @ApiProperty({
    example: 'adele@contoso.com',
    description: 'User principal name (or object id) of the user',
  })
  @IsString()
  @IsNotEmpty()
  @Length(1, 256)
  userPrincipalName!: string;
}

export class BindUserDto {
  @ApiProperty({ example: '42', description: 'The PBX user (the id the PBX gives it)' })
  @IsPbxId('a PBX user')
  pbxUserId!: string;

  @ApiProperty({ example: 'adele@contoso.com', description: 'UPN or object id of the Microsoft 365 account' })
  @IsString()
  @IsNotEmpty()
  @Length(1, 256)
  microsoft365User!: string;
}

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}
