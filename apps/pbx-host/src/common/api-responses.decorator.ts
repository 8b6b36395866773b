import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse } from '@nestjs/swagger';
import { ErrorResponse, FieldErrorsResponse } from './error.response';

/** Documents the 400 every endpoint with input may answer. */
export const ApiValidationResponse = () =>
  ApiBadRequestResponse({
    type: FieldErrorsResponse,
    description: 'Invalid input; `errors` names each field and why',
  });

export const ApiNotFound = (what: string) =>
  ApiNotFoundResponse({ type: ErrorResponse, description: `No such ${what}` });

export const ApiConflict = (description: string) =>
  ApiConflictResponse({ type: FieldErrorsResponse, description });

/** 400 + 404 for endpoints that take ids and input. */
export const ApiInputAndLookup = (what: string) =>
  applyDecorators(ApiValidationResponse(), ApiNotFound(what));
