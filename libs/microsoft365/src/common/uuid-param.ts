import { ParseUUIDPipe } from '@nestjs/common';
import { invalidField } from './invalid-input';

/** `@Param(name, uuidParam(name))`: a malformed id answers the module's 400 naming the parameter. */
export function uuidParam(name: string): ParseUUIDPipe {
  return new ParseUUIDPipe({ exceptionFactory: () => invalidField(name, `${name} must be a UUID`) });
}
