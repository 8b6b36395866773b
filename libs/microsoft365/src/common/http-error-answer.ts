import { HttpException, HttpStatus } from '@nestjs/common';
import { type FieldError } from './invalid-input';
import { Microsoft365ErrorCode } from './microsoft365-error-code';

/**
 * The largest body a module route reads: 10,000 selected users (`UserSelectionDto`) of up to 256 characters each,
 * as JSON, is about 2.7 MB. The host's body parser must allow at least this much (Express's default, 100 KB,
 * refuses about 3,000 users).
 */
export const MICROSOFT365_REQUEST_BODY_LIMIT = 3 * 1024 * 1024;

/** Every 4xx and 5xx the module answers, in one shape (README "Bad input"). */
export interface ErrorAnswer {
  statusCode: number;
  code: Microsoft365ErrorCode;
  message: string;
  /** For input problems (400, 413, 415): each offending field and why; `body` for the body as a whole. */
  errors?: FieldError[];
  [extra: string]: unknown;
}

/** What a framework reports for a request it could not read: Nest's exceptions, or a body parser's raw error. */
interface RawHttpError {
  status?: unknown;
  statusCode?: unknown;
  /** body-parser's kind, e.g. `entity.too.large`, `entity.parse.failed`. */
  type?: unknown;
  /** body-parser's limit in bytes, on `entity.too.large`. */
  limit?: unknown;
  message?: unknown;
}

/** Plain numbers: the statuses arrive as numbers from any framework, never as Nest's enum. */
const BAD_REQUEST: number = HttpStatus.BAD_REQUEST;
const PAYLOAD_TOO_LARGE: number = HttpStatus.PAYLOAD_TOO_LARGE;
const UNSUPPORTED_MEDIA_TYPE: number = HttpStatus.UNSUPPORTED_MEDIA_TYPE;

const CODE_BY_STATUS: Readonly<Record<number, Microsoft365ErrorCode>> = {
  [HttpStatus.UNAUTHORIZED]: Microsoft365ErrorCode.Unauthenticated,
  [HttpStatus.FORBIDDEN]: Microsoft365ErrorCode.Forbidden,
  [HttpStatus.NOT_FOUND]: Microsoft365ErrorCode.NotFound,
  [HttpStatus.CONFLICT]: Microsoft365ErrorCode.Conflict,
  [HttpStatus.PAYLOAD_TOO_LARGE]: Microsoft365ErrorCode.RequestTooLarge,
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: Microsoft365ErrorCode.UnsupportedMediaType,
  [HttpStatus.SERVICE_UNAVAILABLE]: Microsoft365ErrorCode.Unavailable,
};

function codeForStatus(status: number): Microsoft365ErrorCode {
  return (
    CODE_BY_STATUS[status] ??
    (status >= 500 ? Microsoft365ErrorCode.Internal : Microsoft365ErrorCode.InvalidInput)
  );
}

function statusOf(error: RawHttpError): number | undefined {
  const status = typeof error.status === 'number' ? error.status : error.statusCode;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 600
    ? status
    : undefined;
}

function messageOf(response: unknown, fallback: string): string {
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return fallback;
}

function size(bytes: number): string {
  const megabytes = bytes / (1024 * 1024);
  return megabytes >= 1 ? `${Math.round(megabytes * 10) / 10} MB` : `${Math.round(bytes / 1024)} KB`;
}

/** The field-level reason for an unreadable body, from what the parser said. */
function bodyErrors(status: number, message: string, limit: unknown): FieldError[] | undefined {
  if (status === PAYLOAD_TOO_LARGE) {
    const accepted =
      typeof limit === 'number' ? `this PBX accepts ${size(limit)}` : 'it is larger than this PBX accepts';
    return [
      {
        field: 'body',
        reasons: [
          `the request body is too large: ${accepted}; the Microsoft 365 routes need ` +
            `${size(MICROSOFT365_REQUEST_BODY_LIMIT)}`,
        ],
      },
    ];
  }
  if (status === UNSUPPORTED_MEDIA_TYPE) return [{ field: 'body', reasons: [message] }];
  if (status === BAD_REQUEST)
    return [{ field: 'body', reasons: [`the request body could not be read: ${message}`] }];
  return undefined;
}

/**
 * The module's answer for an HTTP-level error: a Nest `HttpException` (a pipe, a guard, Nest's 404 or its mapping
 * of a body parser's error) or a raw body parser error carrying a status (Express's `entity.too.large`). Our own
 * 400s already list their fields and only gain a code; others get one. Undefined for anything else (a bug, or the
 * database), which the caller handles.
 */
export function httpErrorAnswer(exception: unknown): ErrorAnswer | undefined {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const own = response as { code?: unknown; errors?: unknown } | null;
    const message = messageOf(response, exception.message);
    if (typeof own === 'object' && own !== null && Array.isArray(own.errors)) {
      return {
        ...(own as object),
        statusCode: status,
        code: typeof own.code === 'string' ? (own.code as Microsoft365ErrorCode) : codeForStatus(status),
        message,
        errors: own.errors as FieldError[],
      };
    }
    return answer(status, message, (exception.cause as RawHttpError | undefined)?.limit);
  }
  if (!(exception instanceof Error)) return undefined;
  const raw = exception as RawHttpError;
  const status = statusOf(raw);
  // Only client errors of a parser: its 5xx (e.g. a stream error) are ours and stay unexplained to the caller.
  if (status === undefined || status >= 500) return undefined;
  return answer(status, exception.message, raw.limit);
}

function answer(status: number, message: string, limit: unknown): ErrorAnswer {
  const errors = bodyErrors(status, message, limit);
  return {
    statusCode: status,
    code: codeForStatus(status),
    message: status === PAYLOAD_TOO_LARGE ? 'The request body is too large' : message,
    ...(errors ? { errors } : {}),
  };
}
