import { Inject, Injectable, Logger } from '@nestjs/common';
import { type Microsoft365Exception } from '../common/microsoft365.exception';
import { GRAPH_RESILIENCE_SETTINGS } from '../graph/graph-client.provider';
import { HttpTransport, type TransportResponse } from '../graph/http-transport.provider';
import { describeTransportError } from '../graph/msal-network-client';
import { parseRetryAfter, toMicrosoft365Exception } from '../graph/parse-microsoft-error';
import { type ResilienceSettings } from '../graph/resilience.middleware';
import { uploadRanges } from './mail-delivery-plan';

/**
 * PUTs a file to an Outlook attachment upload session. The `uploadUrl` is pre-authenticated and lives on
 * Outlook's host, not Graph's: it must be called without the bearer token (Outlook answers 401 to one), so it
 * goes through the module's connection pool directly rather than through the Graph client.
 *
 * Only 429 and 503 (not processed) and refused connections are retried. A chunk whose answer was lost cannot be
 * re-sent safely (Outlook answers 416 for the overlap), so the upload fails instead; nothing has been sent yet,
 * and the whole mail can be tried again.
 */
@Injectable()
export class AttachmentUploadClient {
  private readonly logger = new Logger(AttachmentUploadClient.name);

  constructor(
    private readonly transport: HttpTransport,
    @Inject(GRAPH_RESILIENCE_SETTINGS) private readonly resilience: ResilienceSettings,
  ) {}

  async upload(uploadUrl: string, bytes: Buffer, chunkBytes?: number): Promise<void> {
    for (const range of uploadRanges(bytes.length, chunkBytes)) {
      const body = bytes.subarray(range.start, range.end + 1);
      await this.put(uploadUrl, body, `bytes ${range.start}-${range.end}/${bytes.length}`);
    }
  }

  private async put(uploadUrl: string, body: Buffer, contentRange: string): Promise<void> {
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
        if (code === 'ECONNREFUSED' && attempt < this.resilience.maxAttempts) {
          await this.resilience.sleep(this.backoff(attempt));
          continue;
        }
        throw toMicrosoft365Exception({ source: 'graph', networkCode: code, timedOut });
      }
      if (response.ok) {
        await response.arrayBuffer().catch(() => {
          // expected: draining only returns the connection to the pool; a broken one is dropped.
        });
        return;
      }
      const status = response.status;
      if ((status === 429 || status === 503) && attempt < this.resilience.maxAttempts) {
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
        await response.arrayBuffer().catch(() => {
          // expected: draining only returns the connection to the pool; a broken one is dropped.
        });
        const delayMs =
          retryAfter !== undefined
            ? Math.min(retryAfter * 1000, this.resilience.maxDelayMs)
            : this.backoff(attempt);
        this.logger.debug(
          `Upload chunk ${contentRange}: ${status}, retry ${attempt} in ${delayMs} ms ` +
            `(requestId=${response.headers.get('request-id') ?? '-'})`,
        );
        await this.resilience.sleep(delayMs);
        continue;
      }
      throw await this.failure(response, contentRange);
    }
  }

  private async failure(response: TransportResponse, contentRange: string): Promise<Microsoft365Exception> {
    let code: string | undefined;
    let message: string | undefined;
    try {
      const error = (
        (await response.json()) as {
          error?: { code?: unknown; message?: unknown; innerError?: { code?: unknown } };
        }
      ).error;
      const inner = error?.innerError?.code;
      code = typeof inner === 'string' ? inner : typeof error?.code === 'string' ? error.code : undefined;
      message = typeof error?.message === 'string' ? error.message : undefined;
    } catch {
      // expected: not JSON, the status is all we have.
    }
    const requestId = response.headers.get('request-id') ?? undefined;
    this.logger.warn(
      `Upload chunk ${contentRange} failed: status=${response.status}, microsoftCode=${code ?? '-'}, ` +
        `requestId=${requestId ?? '-'}`,
    );
    return toMicrosoft365Exception({
      source: 'graph',
      status: response.status,
      code,
      message,
      requestId,
      retryAfter: response.headers.get('retry-after'),
    });
  }

  private backoff(attempt: number): number {
    return Math.min(this.resilience.maxDelayMs, this.resilience.baseDelayMs * 2 ** (attempt - 1));
  }
}
