import { ValidateIf } from 'class-validator';

/**
 * The field may be left out, but not sent as `null`. class-validator's `@IsOptional()` skips every check for `null`
 * too, so `{ "leaverPolicy": null }` would pass validation and reach a NOT NULL column (a 500, or a silently
 * ignored value); with this decorator the field's own checks answer it with a 400 and the reason. Fields where
 * `null` means something (e.g. "follow the tenant's time zone") keep `@IsOptional()`.
 */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}
