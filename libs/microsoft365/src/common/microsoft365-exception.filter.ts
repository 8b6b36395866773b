import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpStatus,
  Injectable,
  Logger,
} from '@nestjs/common';
import { describeUnexpected, lostDatabaseConnection } from './database-failure';
import { httpErrorAnswer } from './http-error-answer';
import { HttpResponder } from './http-responder';
import { Microsoft365ErrorCode } from './microsoft365-error-code';
import { Microsoft365Exception } from './microsoft365.exception';
import { randomUUID } from 'node:crypto';

export function httpStatusFor(code: Microsoft365ErrorCode): number {
  switch (code) {
    case Microsoft365ErrorCode.Unauthenticated:
      return HttpStatus.UNAUTHORIZED;
    case Microsoft365ErrorCode.Forbidden:
      return HttpStatus.FORBIDDEN;
    case Microsoft365ErrorCode.NotFound:
    case Microsoft365ErrorCode.FeatureUnavailable:
      return HttpStatus.NOT_FOUND;
    case Microsoft365ErrorCode.Conflict:
    case Microsoft365ErrorCode.Quarantined:
    case Microsoft365ErrorCode.NotConfigured:
    case Microsoft365ErrorCode.Disabled:
      return HttpStatus.CONFLICT;
    // Microsoft refused because of how the tenant is set up in Entra: the admin must act, the PBX is fine.
    case Microsoft365ErrorCode.DirectoryNotFound:
    case Microsoft365ErrorCode.ApplicationNotFound:
    case Microsoft365ErrorCode.CertificateNotRegistered:
    case Microsoft365ErrorCode.CertificateExpired:
    case Microsoft365ErrorCode.AuthenticationFailed:
    case Microsoft365ErrorCode.PermissionMissing:
    case Microsoft365ErrorCode.MailboxNotEnabled:
    case Microsoft365ErrorCode.GraphNotFound:
    case Microsoft365ErrorCode.GraphRequestFailed:
    case Microsoft365ErrorCode.DeltaExpired:
      return HttpStatus.FAILED_DEPENDENCY;
    case Microsoft365ErrorCode.Throttled:
    case Microsoft365ErrorCode.Unavailable:
      return HttpStatus.SERVICE_UNAVAILABLE;
    case Microsoft365ErrorCode.InvalidInput:
    case Microsoft365ErrorCode.MailMessageInvalid:
      return HttpStatus.BAD_REQUEST;
    case Microsoft365ErrorCode.RequestTooLarge:
    case Microsoft365ErrorCode.MailMessageTooLarge:
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case Microsoft365ErrorCode.RateLimited:
      return HttpStatus.TOO_MANY_REQUESTS;
    case Microsoft365ErrorCode.UnsupportedMediaType:
      return HttpStatus.UNSUPPORTED_MEDIA_TYPE;
    case Microsoft365ErrorCode.Internal:
      return HttpStatus.INTERNAL_SERVER_ERROR;
  }
}

/** Long enough for a connection pool to reconnect after a PostgreSQL restart or failover. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * The one filter on the module's controllers (never global: it would leak into the host). Our own exceptions get
 * their code, message, admin action and Microsoft's error code; Nest's HTTP exceptions (validation, path
 * parameters) and body parser errors get the same shape with a code (`httpErrorAnswer`); anything else is a 500
 * without internals, logged with a reference the admin can quote.
 */

@Catch()
@Injectable()
export class Microsoft365ExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(Microsoft365ExceptionFilter.name);

  constructor(private readonly http: HttpResponder) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<unknown>();
    if (exception instanceof Microsoft365Exception) {
      const status = httpStatusFor(exception.code);
      if (exception.microsoft?.retryAfterSeconds !== undefined) {
        this.http.setHeader(response, 'Retry-After', String(exception.microsoft.retryAfterSeconds));
      }
      if (status >= 500) {
        this.logger.warn(
          `${exception.code}: ${exception.message} (status=${exception.microsoft?.status ?? '-'}, ` +
            `microsoftCode=${exception.microsoft?.code ?? '-'}, requestId=${exception.microsoft?.requestId ?? '-'})`,
        );
      }
      this.http.json(response, status, {
        statusCode: status,
        code: exception.code,
        message: exception.message,
        ...(exception.action ? { action: exception.action } : {}),
        ...(exception.microsoft ? { microsoft: exception.microsoft } : {}),
        ...(exception.details ? { details: exception.details } : {}),
      });
      return;
    }
    const httpAnswer = httpErrorAnswer(exception);
    if (httpAnswer) {
      this.http.json(response, httpAnswer.statusCode, httpAnswer);
      return;
    }
    const lostDatabase = lostDatabaseConnection(exception);
    if (lostDatabase) {
      // PostgreSQL restarting or failing over: a moment's outage of the PBX, not a bug; the caller may retry.
      this.logger.warn(`The PBX database is not reachable (${lostDatabase})`);
      this.http.setHeader(response, 'Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      this.http.json(response, HttpStatus.SERVICE_UNAVAILABLE, {
        statusCode: HttpStatus.SERVICE_UNAVAILABLE,
        code: Microsoft365ErrorCode.Unavailable,
        message: 'The PBX database is not reachable right now',
        action: 'Try again in a moment; if this lasts, check that PostgreSQL is running and reachable.',
      });
      return;
    }
    const reference = randomUUID();
    // Never the raw message of a database error: it carries the SQL with its bound values (session hashes, profiles).
    this.logger.error(`Unhandled error (reference ${reference}): ${describeUnexpected(exception)}`);
    this.http.json(response, HttpStatus.INTERNAL_SERVER_ERROR, {
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      code: Microsoft365ErrorCode.Internal,
      message: 'Internal error',
      reference,
    });
  }
}
