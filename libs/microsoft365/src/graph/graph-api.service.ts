import { GraphError } from '@microsoft/microsoft-graph-client';
import { Inject, Injectable } from '@nestjs/common';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { runGraphCall } from './graph-call-context';
import {
  GRAPH_BATCH_LIMIT,
  type GraphBatchPatch,
  type GraphBatchRequest,
  type GraphBatchResponse,
  type GraphBatchResult,
  toBatchResult,
} from './graph-batch';
import { GraphClientProvider } from './graph-client.provider';
import { GraphConcurrency } from './graph-concurrency.service';
import { toMicrosoft365Exception } from './parse-microsoft-error';
import { TransportFailure } from './resilience.middleware';
import {
  failedBatchItems,
  GRAPH_RESILIENCE_SETTINGS,
  IDEMPOTENT_HEADER,
  type ResilienceSettings,
  RetryPolicy,
} from './retry.policy';
import { type Microsoft365Cloud } from '../settings/microsoft365-cloud';

export interface GraphTarget {
  pbxTenantId: string;
  cloud: Microsoft365Cloud;
}

export interface GraphCollectionPage<T> {
  value: T[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

/**
 * Items of a batch that Outlook serves (mail, calendar, contacts, mailbox settings, photos through the profile API):
 * each holds one of its mailbox's 4 concurrent slots (docs/graph-notes.md §6).
 */
const OUTLOOK_ITEM =
  /^\/?users\/([^/?]+)\/(?:contacts|contactfolders|calendar|calendarview|events|messages|mailfolders|sendmail|mailboxsettings|photo|photos)(?:\/|\?|$)/i;

/** One item of a `$batch` as it goes on the wire. */
type BatchItem = (GraphBatchRequest | GraphBatchPatch) & { method: 'GET' | 'PATCH' };

/**
 * What feature services use to talk to Graph: typed calls that throw only {@link Microsoft365Exception}s. Feature
 * services never import the Graph SDK.
 */
@Injectable()
export class GraphApi {
  private readonly retries: RetryPolicy;

  constructor(
    private readonly clients: GraphClientProvider,
    private readonly concurrency: GraphConcurrency,
    @Inject(GRAPH_RESILIENCE_SETTINGS) resilience: ResilienceSettings,
  ) {
    this.retries = new RetryPolicy(resilience);
  }

  /**
   * GETs in JSON batches of 20 (https://learn.microsoft.com/en-us/graph/json-batching). Graph answers items of a
   * batch one by one (a 200 batch can hold 429 or 503 items), so those items are sent again as {@link RetryPolicy}
   * decides; the rest are answered as they came. `keep` turns each answer into what is kept until the last batch
   * is back, as its batch arrives (photos: base64 text into bytes, so a call never holds both for all of them).
   */
  async batchGet(
    target: GraphTarget,
    requests: GraphBatchRequest[],
    keep?: (result: GraphBatchResult) => GraphBatchResult,
  ): Promise<Map<string, GraphBatchResult>> {
    return this.batch(
      target,
      requests.map((request) => ({ ...request, method: 'GET' })),
      keep,
    );
  }

  /**
   * PATCHes in JSON batches of 20, retried item by item like {@link batchGet}. Each item carries its JSON body with
   * the `Content-Type` header the batch format requires for a body
   * (https://learn.microsoft.com/en-us/graph/json-batching, docs/graph-notes.md §5).
   */
  async batchPatch(target: GraphTarget, requests: GraphBatchPatch[]): Promise<Map<string, GraphBatchResult>> {
    return this.batch(
      target,
      requests.map((request) => ({
        ...request,
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json' },
      })),
    );
  }

  private async batch(
    target: GraphTarget,
    requests: BatchItem[],
    keep: (result: GraphBatchResult) => GraphBatchResult = (result) => result,
  ): Promise<Map<string, GraphBatchResult>> {
    const results = new Map<string, GraphBatchResult>();
    const chunks: BatchItem[][] = [];
    for (let start = 0; start < requests.length; start += GRAPH_BATCH_LIMIT) {
      chunks.push(requests.slice(start, start + GRAPH_BATCH_LIMIT));
    }
    // As many batches in flight as the tenant's adaptive limiter allows (it halves on 429s, its items' included);
    // each batch holds a slot of every mailbox its Outlook items go to, so no mailbox sees more than 4 at once.
    const limiter = this.concurrency.limiter(target.pbxTenantId, 'batches');
    let failure: { error: unknown } | undefined;
    await Promise.all(
      chunks.map((chunk) =>
        limiter.run(async () => {
          // After a batch failed as a whole the call fails with it: the chunks still waiting are not sent (a
          // failed task teaches the limiter nothing, unlike an instant answer).
          if (failure) throw failure.error;
          try {
            for (const [id, result] of await this.sendBatch(target, chunk)) results.set(id, keep(result));
          } catch (error) {
            failure ??= { error };
            throw error;
          }
        }, mailboxesOf(chunk)),
      ),
    );
    return results;
  }

  private async sendBatch(target: GraphTarget, chunk: BatchItem[]): Promise<Map<string, GraphBatchResult>> {
    const results = new Map<string, GraphBatchResult>();
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const answer = await this.post<{ responses: GraphBatchResponse[] }>(
        target,
        '/$batch',
        { requests: pending },
        // Our batches hold GETs and PATCHes only, neither of which changes more when sent twice: the batch is
        // safe to repeat after a 5xx or a timeout.
        { [IDEMPOTENT_HEADER]: 'true' },
      );
      const { retry, failed } = failedBatchItems(answer.responses, attempt);
      const retried = await this.retries.retry('$batch items', failed);
      for (const item of answer.responses) {
        if (!retried || !retry.includes(item)) results.set(item.id, toBatchResult(item));
      }
      if (!retried) break;
      const retryIds = new Set(retry.map((item) => item.id));
      pending = pending.filter((request) => retryIds.has(request.id));
    }
    return results;
  }

  async get<T>(target: GraphTarget, path: string, headers: Record<string, string> = {}): Promise<T> {
    return this.call(
      () =>
        this.clients
          .forTenant(target.pbxTenantId, target.cloud)
          .api(path)
          .headers(headers)
          .get() as Promise<T>,
    );
  }

  async post<T>(
    target: GraphTarget,
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    return this.call(
      () =>
        this.clients
          .forTenant(target.pbxTenantId, target.cloud)
          .api(path)
          .headers(headers)
          .post(body) as Promise<T>,
    );
  }

  async patch<T>(target: GraphTarget, path: string, body: unknown): Promise<T> {
    return this.call(
      () => this.clients.forTenant(target.pbxTenantId, target.cloud).api(path).patch(body) as Promise<T>,
    );
  }

  async delete(target: GraphTarget, path: string): Promise<void> {
    await this.call(
      () => this.clients.forTenant(target.pbxTenantId, target.cloud).api(path).delete() as Promise<unknown>,
    );
  }

  /** Follows `@odata.nextLink` to the end, one page at a time, so memory stays at one page. */
  async *pages<T>(
    target: GraphTarget,
    path: string,
    headers: Record<string, string> = {},
  ): AsyncGenerator<GraphCollectionPage<T>> {
    let next: string | undefined = path;
    while (next) {
      // Graph does not carry request headers such as ConsistencyLevel over to the next page
      // (docs/graph-notes.md §3.1).
      const page: GraphCollectionPage<T> = await this.get<GraphCollectionPage<T>>(target, next, headers);
      yield page;
      next = page['@odata.nextLink'];
    }
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    const { result, failure } = runGraphCall(request);
    try {
      return await result;
    } catch (error) {
      throw GraphApi.toException(failure() ?? error);
    }
  }

  static toException(error: unknown): Microsoft365Exception {
    if (error instanceof Microsoft365Exception) return error;
    if (error instanceof TransportFailure) {
      return toMicrosoft365Exception({
        source: 'graph',
        networkCode: error.networkCode,
        timedOut: error.timedOut,
      });
    }
    if (error instanceof GraphError) {
      const headers = error.headers;
      return toMicrosoft365Exception({
        source: 'graph',
        status: error.statusCode > 0 ? error.statusCode : undefined,
        code: error.code ?? undefined,
        message: error.message,
        requestId: error.requestId ?? headers?.get('request-id') ?? undefined,
        clientRequestId: headers?.get('client-request-id') ?? undefined,
        retryAfter: headers?.get('retry-after'),
      });
    }
    return toMicrosoft365Exception({
      source: 'graph',
      networkCode: error instanceof Error ? error.name : 'UNKNOWN',
    });
  }
}

/** The mailbox of each Outlook item (its id or UPN as the URL encodes it), once per item. */
function mailboxesOf(chunk: BatchItem[]): string[] {
  return chunk.flatMap((item) => {
    const mailbox = OUTLOOK_ITEM.exec(item.url)?.[1];
    return mailbox === undefined ? [] : [mailbox.toLowerCase()];
  });
}
