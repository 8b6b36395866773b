import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus, Logger } from '@nestjs/common';
import { type FieldError } from '@pbx/microsoft365';
import { type Response } from 'express';

/** The host's unique constraints, by name, and the request field each one guards. */
const UNIQUE_CONSTRAINTS: Record<string, FieldError> = {
  tenants_sip_domain_unique: { field: 'sipDomain', reasons: ['sipDomain is already used by another tenant'] },
  users_tenant_extension_unique: {
    field: 'extension',
    reasons: ['extension is already used by another user of this tenant'],
  },
  users_tenant_username_unique: {
    field: 'username',
    reasons: ['username is already used by another user of this tenant'],
  },
  users_system_username_unique: {
    field: 'username',
    reasons: ['username is already used by another system administrator'],
  },
  contacts_company_external_unique: {
    field: 'externalId',
    reasons: ['a contact with this externalId exists'],
  },
  contacts_personal_external_unique: {
    field: 'externalId',
    reasons: ['a contact with this externalId exists'],
  },
};

export function fieldErrorForConstraint(constraint: string | undefined): FieldError | undefined {
  return constraint === undefined ? undefined : UNIQUE_CONSTRAINTS[constraint];
}

/**
 * Answers 409 naming the field when the database refuses a duplicate. Uniqueness is checked by the database, not
 * by a read before the write, so concurrent requests cannot both succeed; this turns the refusal into an answer.
 */
@Catch(UniqueConstraintViolationException)
export class UniqueViolationFilter implements ExceptionFilter {
  private readonly logger = new Logger(UniqueViolationFilter.name);

  catch(exception: UniqueConstraintViolationException & { constraint?: string }, host: ArgumentsHost): void {
    const fieldError = fieldErrorForConstraint(exception.constraint);
    if (!fieldError) {
      this.logger.warn(`Unique violation of unmapped constraint ${exception.constraint ?? '(unknown)'}`);
    }
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(HttpStatus.CONFLICT)
      .json({
        statusCode: HttpStatus.CONFLICT,
        error: 'Conflict',
        message: 'Already exists',
        errors: fieldError ? [fieldError] : [],
      });
  }
}
