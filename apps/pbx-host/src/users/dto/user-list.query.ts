import { ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '@pbx/host/common/page-query.dto';
import { Trim } from '@pbx/host/common/transforms';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class UserListQuery extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Matches username, display name, email or extension', maxLength: 100 })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(100)
  search?: string;
}
