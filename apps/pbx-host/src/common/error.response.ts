import { ApiProperty } from '@nestjs/swagger';

export class FieldErrorResponse {
  @ApiProperty({ example: 'extension' })
  field!: string;

  @ApiProperty({ type: [String], example: ['extension must be 3 to 13 digits'] })
  reasons!: string[];
}

/** 400 (validation) and 409 (unique violation) answers name every offending field. */
export class FieldErrorsResponse {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({ example: 'Validation failed' })
  message!: string;

  @ApiProperty({ type: [FieldErrorResponse] })
  errors!: FieldErrorResponse[];
}

export class ErrorResponse {
  @ApiProperty({ example: 404 })
  statusCode!: number;

  @ApiProperty({ example: 'Not Found' })
  error!: string;

  @ApiProperty({ example: 'No such user' })
  message!: string;
}
