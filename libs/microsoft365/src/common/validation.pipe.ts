import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { type FieldError, invalidInput } from './invalid-input';

export { type FieldError } from './invalid-input';

/**
 * One entry per offending field. A field that was left out gets the one reason that applies ("to is required"),
 * not every constraint it would also have failed.
 */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own: FieldError[] = error.constraints
      ? [
          {
            field,
            // Two checks may give one reason (e.g. "must be an object" for a nested DTO): said once.
            reasons:
              error.value === undefined
                ? [`${field} is required`]
                : [...new Set(Object.values(error.constraints))],
          },
        ]
      : [];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/**
 * Strict validation that answers 400 with every offending field and why. The module applies it to its own
 * controllers with `@UsePipes`, so it does not depend on the host's global pipe; hosts may use it globally too.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => invalidInput(flattenValidationErrors(errors)),
  });
}
