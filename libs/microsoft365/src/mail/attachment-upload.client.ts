import { Inject, Injectable, Logger } from '@nestjs/common';
import { HttpTransport, type TransportResponse } from '../graph/http-transport.provider';
import { describeTransportError } from '../graph/msal-network-client';
import { parseRetryAfter, toMicrosoft365Exception } from '../graph/parse-microsoft-error';
import {
  GRAPH_RESILIENCE_SETTINGS,
  isRetryableStatus,
  isRetryableTransportError,
  type ResilienceSettings,
  RetryPolicy,
} from '../graph/retry.policy';
import { uploadRanges } from './mail-delivery-plan';

/**
 * PUTs a file to an Outlook attachment upload session. The `uploadUrl` is pre-authenticated and lives on
 * Outlook's host, not Graph's: it must be called without the bearer token (Outlook answers 401 to one), so it
 * goes through the module's connection pool directly rather than through the Graph client.
 *
 * A chunk is not repeatable for the {@link RetryPolicy}: only 429 and 503 (not processed) and connections that
 * never reached Outlook (refused, connect timeout) are retried. A chunk whose answer was lost cannot be re-sent
 * safely (Outlook answers 416 for the overlap), so the upload fails instead; nothing has been sent yet, and the
 * whole mail can be tried again.
 */
@Injectable()
export class AttachmentUploadClient {
  private readonly logger = new Logger(AttachmentUploadClient.name);
  private readonly retries: RetryPolicy;

  constructor(
    private readonly transport: HttpTransport,
    @Inject(GRAPH_RESILIENCE_SETTINGS) private readonly resilience: ResilienceSettings,
  ) {
    this.retries = new RetryPolicy(resilience);
  }

  async upload(uploadUrl: string, bytes: Buffer, chunkBytes?: number): Promise<void> {
    for (const range of uploadRanges(bytes.length, chunkBytes)) {
      const body = bytes.subarray(range.start, range.end + 1);
      await this.put(uploadUrl, body, `bytes ${range.start}-${range.end}/${bytes.length}`);
    }
  }

  private async put(uploadUrl: string, body: Buffer, contentRange: string): Promise<void> {
    const what = `upload of chunk ${contentRange}`;
    for (let attempt = 1; ; attempt++) {
      let response: TransportResponse;
      try {
        response = await this.transport.fetch(uploadUrl, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': contentRange },
          body,
          signal: AbortSignal.timeout(this.resilience.timeoutMs),
        });
      } catch (error) {
        const { code, timedOut } = describeTransportError(error);
        const retryable = isRetryableTransportError(code, false);
        if (await this.retries.retry(what, { attempt, retryable, transportError: code })) continue;
        throw toMicrosoft365Exception({ source: 'graph', networkCode: code, timedOut });
      }
      if (response.ok) {
        await response.arrayBuffer().catch(() => {
          // expected: draining only returns the connection to the pool; a broken one is dropped.
        });
        return;
      }
      // Reading the answer also drains it, so the connection returns to the pool before a retry.
      const answer = await readError(response);
      const requestId = response.headers.get('request-id') ?? undefined;
      const retried = await this.retries.retry(what, {
        attempt,
        retryable: isRetryableStatus(response.status, false),
        status: response.status,
        retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after')),
        microsoftCode: answer.code,
        requestId,
      });
      if (retried) continue;
      this.logger.warn(
        `Upload chunk ${contentRange} failed: status=${response.status}, microsoftCode=${answer.code ?? '-'}, ` +
          `requestId=${requestId ?? '-'}`,
      );
      throw toMicrosoft365Exception({
        source: 'graph',
        status: response.status,
        code: answer.code,
        message: answer.message,
        requestId,
        retryAfter: response.headers.get('retry-after'),
      });
    }
  }
}

/** Outlook's error code (the inner one when given, it is the more precise) and message. */
async function readError(response: TransportResponse): Promise<{ code?: string; message?: string }> {
  try {
    const error = (
      (await response.json()) as {
        error?: { code?: unknown; message?: unknown; innerError?: { code?: unknown } };
      }
    ).error;
    const inner = error?.innerError?.code;
    return {
      code: typeof inner === 'string' ? inner : typeof error?.code === 'string' ? error.code : undefined,
      message: typeof error?.message === 'string' ? error.message : undefined,
    };
  } catch {
    // expected: not JSON, the status is all we have.
    return {};
  }
}
