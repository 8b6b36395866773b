import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptionalNotNull } from '../../common/optional-not-null.decorator';
import { ArrayMaxSize, IsArray, IsEmail, IsString, MaxLength } from 'class-validator';

export const EmailListField = () =>
  applyDecorators(
    ApiPropertyOptional({ type: [String], example: ['dana@fabrikam.com'], maxItems: 10 }),
    IsOptionalNotNull(),
    IsArray(),
    ArrayMaxSize(10),
    IsString({ each: true }),
    MaxLength(254, { each: true }),
    IsEmail({}, { each: true, message: 'each of emailAddresses must be an email address' }),
  );
