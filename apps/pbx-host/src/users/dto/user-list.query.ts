import { IsOmittable } from '@pbx/microsoft365';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '../../common/page-query.dto';
import { Trim } from '../../common/transforms';
import { IsString, MaxLength } from 'class-validator';

export class UserListQuery extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Matches username, display name, email or extension', maxLength: 100 })
  @IsOmittable()
  @Trim()
  @IsString()
  @MaxLength(100)
  search?: string;
}
