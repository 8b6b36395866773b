import { BadRequestException } from '@nestjs/common';
import { Microsoft365ErrorCode } from './microsoft365-error-code';

export interface FieldError {
  /** Dotted path of the offending field, e.g. `users.selected.2`; `body` for the request body as a whole. */
  field: string;
  /** Why it was refused, one sentence each. */
  reasons: string[];
}

/** The documented 400 answer: every offending field with its reasons. */
export function invalidInput(errors: FieldError[]): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    code: Microsoft365ErrorCode.InvalidInput,
    error: 'Bad Request',
    message: 'Validation failed',
    errors,
  });
}

/** A 400 naming one field and one reason. */
export function invalidField(field: string, reason: string): BadRequestException {
  return invalidInput([{ field, reasons: [reason] }]);
}
