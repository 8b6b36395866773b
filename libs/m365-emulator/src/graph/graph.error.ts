import { randomUUID } from 'node:crypto';
import { graphInnerErrorDate } from '../core/time.format';
import type { EmulatorRequest } from '../http/emulator-request';
import { odataResponse, type EmulatorResponse } from '../http/emulator-response';
import { EmulatorHttpError } from '../http/emulator-http.error';

/** Graph's error envelope: { error: { code, message, innerError: { date, request-id, client-request-id } } }. */
export class GraphError extends EmulatorHttpError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extraHeaders: Record<string, string> = {},
    readonly innerErrorExtras: Record<string, string> = {},
  ) {
    super(message);
  }

  static notFound(id: string): GraphError {
    return new GraphError(
      404,
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    );
  }

  static badRequest(message: string, code = 'Request_BadRequest'): GraphError {
    return new GraphError(400, code, message);
  }

  static unsupportedQuery(message: string): GraphError {
    return new GraphError(400, 'Request_UnsupportedQuery', message);
  }

  static insufficientPrivileges(): GraphError {
    return new GraphError(
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
    );
  }

  static tooManyRequests(retryAfterSeconds: number, headers: Record<string, string> = {}): GraphError {
    return new GraphError(
      429,
      'TooManyRequests',
      'Please retry again later.',
      { 'retry-after': String(retryAfterSeconds), ...headers },
      { code: '429', message: 'Please retry after', status: '429' },
    );
  }

  toResponse(request: EmulatorRequest | undefined, nowMs: number): EmulatorResponse {
    const requestId = request?.requestId ?? randomUUID();
    return odataResponse(
      this.status,
      {
        error: {
          code: this.code,
          message: this.message,
          innerError: {
            ...this.innerErrorExtras,
            date: graphInnerErrorDate(nowMs),
            'request-id': requestId,
            'client-request-id': request?.clientRequestId ?? requestId,
          },
        },
      },
      this.extraHeaders,
    );
  }
}
