import { type Microsoft365ErrorCode } from './microsoft365-error-code';

/** What Microsoft said, kept for logs and for the admin; never holds tokens or request bodies. */
export interface MicrosoftErrorDetails {
  /** HTTP status Microsoft answered, if any. */
  status?: number;
  /** Graph `error.code` (e.g. `Authorization_RequestDenied`) or OAuth `error` (e.g. `invalid_client`). */
  code?: string;
  /** AADSTS number from the token endpoint, e.g. 700027. */
  aadsts?: number;
  requestId?: string;
  clientRequestId?: string;
  /** Seconds Microsoft asked us to wait (Retry-After). */
  retryAfterSeconds?: number;
}

export interface Microsoft365ExceptionOptions {
  /** In plain words, what the PBX admin should do about it. */
  action?: string;
  microsoft?: MicrosoftErrorDetails;
  /** Extra structured detail safe to return to an admin (field names, ids). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class Microsoft365Exception extends Error {
  readonly action?: string;
  readonly microsoft?: MicrosoftErrorDetails;
  readonly details?: Record<string, unknown>;

  constructor(
    readonly code: Microsoft365ErrorCode,
    message: string,
    options: Microsoft365ExceptionOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'Microsoft365Exception';
    this.action = options.action;
    this.microsoft = options.microsoft;
    this.details = options.details;
  }
}
