import { ValidateIf } from 'class-validator';

/**
 * Like `@IsOptional()` but only for an absent property: `null` is still validated (and refused by the type
 * check). For fields that may be left out of an update but never cleared, which `@IsOptional()` would let
 * through as null and the NOT NULL column would then turn into a 500.
 */
export const IsOptionalNotNull = () => ValidateIf((_object: object, value: unknown) => value !== undefined);
