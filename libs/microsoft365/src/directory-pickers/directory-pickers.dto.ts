import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsOmittable } from '../common/is-omittable.decorator';
import {
  PICKER_CURSOR_MAX_LENGTH,
  PICKER_DEFAULT_PAGE_SIZE,
  PICKER_MAX_PAGE_SIZE,
  PICKER_QUERY_MAX_LENGTH,
} from './picker-query';

const NOT_BLANK = /\S/;
// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;

/** The search text of a picker: 1–100 characters, not blank, no control characters. */
function SearchText(example: string, description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ example, description, maxLength: PICKER_QUERY_MAX_LENGTH }),
    IsOmittable(),
    IsString(),
    Length(1, PICKER_QUERY_MAX_LENGTH),
    Matches(NOT_BLANK, { message: 'q must not be blank; leave it out to list everything' }),
    Matches(NO_CONTROL_CHARACTERS, { message: 'q must not contain control characters' }),
  );
}

export class DepartmentQueryDto {
  @SearchText('Sal', 'Start of the department name (case-insensitive); leave out to list every department')
  q?: string;
}

export class PickerQueryDto {
  @SearchText(
    'ade',
    'Start of a word of the display name, or of the mail address (users: also the user principal name). ' +
      'Quotes and backslashes are searched as typed; leave out to list everything.',
  )
  q?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: PICKER_MAX_PAGE_SIZE, default: PICKER_DEFAULT_PAGE_SIZE })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PICKER_MAX_PAGE_SIZE)
  top?: number;

  @ApiPropertyOptional({
    description: 'The `nextCursor` of the previous page; it carries the search, so `q` and `top` are ignored',
    maxLength: PICKER_CURSOR_MAX_LENGTH,
  })
  @IsOmittable()
  @IsString()
  @MaxLength(PICKER_CURSOR_MAX_LENGTH)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be a cursor this picker answered' })
  cursor?: string;
}

export class UserPickerItemView {
  @ApiProperty({ description: 'Object id' }) id!: string;
  @ApiProperty({ nullable: true, type: String }) displayName!: string | null;
  @ApiProperty({ nullable: true, type: String }) userPrincipalName!: string | null;
  @ApiProperty({ nullable: true, type: String }) mail!: string | null;
  @ApiProperty({ nullable: true, type: String }) department!: string | null;
  @ApiProperty({ nullable: true, type: String }) jobTitle!: string | null;
  @ApiProperty({ nullable: true, type: Boolean }) accountEnabled!: boolean | null;
}

export enum GroupKind {
  Microsoft365 = 'MICROSOFT_365',
  Security = 'SECURITY',
  MailEnabledSecurity = 'MAIL_ENABLED_SECURITY',
  Distribution = 'DISTRIBUTION',
}

export class GroupPickerItemView {
  @ApiProperty({ description: 'Object id' }) id!: string;
  @ApiProperty({ nullable: true, type: String }) displayName!: string | null;
  @ApiProperty({ nullable: true, type: String }) mail!: string | null;
  @ApiProperty({ type: [String] }) groupTypes!: string[];
  @ApiProperty() securityEnabled!: boolean;
  @ApiProperty() mailEnabled!: boolean;
  @ApiProperty({
    enum: GroupKind,
    description: 'Derived from groupTypes (Unified), securityEnabled and mailEnabled',
  })
  kind!: GroupKind;
}

class PickerPageView {
  @ApiProperty({
    nullable: true,
    type: Number,
    description: "Matches in all (first page only: Graph's count)",
  })
  total!: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as `cursor` for the next page; null at the end',
  })
  nextCursor!: string | null;
}

export class UserPickerPageView extends PickerPageView {
  @ApiProperty({ type: [UserPickerItemView] }) items!: UserPickerItemView[];
}

export class GroupPickerPageView extends PickerPageView {
  @ApiProperty({ type: [GroupPickerItemView] }) items!: GroupPickerItemView[];
}

export class DepartmentPickerView {
  @ApiProperty({ type: [String], description: 'Distinct departments, sorted' }) departments!: string[];
  @ApiProperty({
    description:
      'True when more users matched than the pages read hold (see `usersRead`): narrow the search with `q`',
  })
  truncated!: boolean;
  @ApiProperty({ description: 'Users read to build the list' }) usersRead!: number;
}
