import { IsOmittable } from './is-omittable.decorator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { SelectionMode } from '../user-sync/user-scope';
import { ArrayMaxSize, IsArray, IsEnum, IsString, Length } from 'class-validator';

/**
 * Which users a feature applies to, as PortSIP's per-feature scopes do: all, only the selected, or all but the
 * selected (by UPN or object id), narrowed to departments. Shared by the user sync, contact sync and presence.
 */
export class UserSelectionDto {
  @ApiPropertyOptional({
    enum: SelectionMode,
    description: 'All users, only the selected ones, or all but them',
  })
  @IsOmittable()
  @IsEnum(SelectionMode, {
    message: `selectionMode must be one of ${Object.values(SelectionMode).join(', ')}`,
  })
  selectionMode?: SelectionMode;

  @ApiPropertyOptional({ type: [String], description: 'UPNs or object ids for INCLUDE/EXCLUDE' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @Length(1, 256, {
    each: true,
    message: 'each selected user must be a UPN or object id of 1 to 256 characters',
  })
  selectedUsers?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: 'Only users of these departments (as Entra matches them)',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  departments?: string[];
}
