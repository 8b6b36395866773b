import { randomUUID } from 'node:crypto';
import { entraTimestamp } from '../core/time.format';
import type { EmulatorRequest } from '../http/emulator-request';
import { jsonResponse, type EmulatorResponse } from '../http/emulator-response';
import { EmulatorHttpError } from '../http/emulator-http.error';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_tenant'
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_scope'
  | 'invalid_resource'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'temporarily_unavailable'
  | 'server_error';

/** An Entra token-endpoint error with the exact body shape of docs/graph-notes.md §1.1. */
export class AadstsError extends EmulatorHttpError {
  constructor(
    readonly error: OAuthErrorCode,
    readonly code: number,
    readonly description: string,
    readonly status = error === 'invalid_client' ? 401 : 400,
    readonly extraHeaders: Record<string, string> = {},
  ) {
    super(`AADSTS${code}: ${description}`);
  }

  toResponse(request: EmulatorRequest | undefined, nowMs: number): EmulatorResponse {
    const timestamp = entraTimestamp(nowMs);
    const traceId = request?.requestId ?? randomUUID();
    const correlationId = request?.clientRequestId ?? randomUUID();
    return jsonResponse(
      this.status,
      {
        error: this.error,
        error_description: `AADSTS${this.code}: ${this.description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
        error_codes: [this.code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `https://login.microsoftonline.com/error?code=${this.code}`,
      },
      { 'cache-control': 'no-store, no-cache', pragma: 'no-cache', ...this.extraHeaders },
    );
  }
}
