import { ConcurrencyGate } from '../core/concurrency.gate';
import type { EmulatorContext, RouteFamily } from '../emulator.context';
import { GraphError } from './graph.error';
import { readJson, type EmulatorRequest } from '../http/emulator-request';
import { odataResponse, type EmulatorResponse } from '../http/emulator-response';

/** JSON batching allows at most 20 requests (docs/graph-notes.md §5). */
export const MAX_BATCH_REQUESTS = 20;

/**
 * Graph sends at most 4 Outlook items of a batch to Outlook in parallel, whatever the mailbox
 * (docs/graph-notes.md §6), so one batch never exceeds an app + mailbox's 4 concurrent requests on its own.
 * Photos are Outlook items too (profile API); the pattern must cover every route marked with asOutlookRoutes.
 */
const OUTLOOK_BATCH_PARALLELISM = 4;
const OUTLOOK_ITEM =
  /^\/?users\/[^/?]+\/(contacts|contactfolders|calendar|calendarview|events|messages|sendmail|mailboxsettings|photo|photos)(\/|\?|$)/i;

interface BatchItem {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  readonly dependsOn: readonly string[];
}

interface BatchItemResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const HEADER_CASE: Record<string, string> = {
  'content-type': 'Content-Type',
  'retry-after': 'Retry-After',
  etag: 'ETag',
  location: 'Location',
  'cache-control': 'Cache-Control',
  'odata-version': 'OData-Version',
  'x-ms-resource-unit': 'x-ms-resource-unit',
  'x-ms-throttle-scope': 'x-ms-throttle-scope',
  'x-ms-throttle-information': 'x-ms-throttle-information',
};

function invalidBatch(message: string): GraphError {
  return new GraphError(400, 'BadRequest', message);
}

function parseItems(raw: unknown): BatchItem[] {
  const requests =
    typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['requests'] : undefined;
  if (!Array.isArray(requests)) throw invalidBatch('Invalid batch payload format.');
  if (requests.length === 0) throw invalidBatch('Invalid batch payload format.');
  if (requests.length > MAX_BATCH_REQUESTS) {
    throw invalidBatch(`Number of requests in the batch exceeds the limit of ${MAX_BATCH_REQUESTS}.`);
  }
  const seen = new Set<string>();
  const items = requests.map((entry: unknown): BatchItem => {
    const item = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {};
    const { id, method, url } = item;
    if (typeof id !== 'string' || id === '' || typeof method !== 'string' || typeof url !== 'string') {
      throw invalidBatch('Invalid batch payload format.');
    }
    // Ids are not case-sensitive; duplicates fail the whole batch.
    if (seen.has(id.toLowerCase()))
      throw invalidBatch(`Batch request contains duplicate request id '${id}'.`);
    seen.add(id.toLowerCase());
    const headers: Record<string, string> = {};
    if (typeof item['headers'] === 'object' && item['headers'] !== null) {
      for (const [name, value] of Object.entries(item['headers'] as Record<string, unknown>)) {
        if (typeof value === 'string') headers[name.toLowerCase()] = value;
      }
    }
    if (item['body'] !== undefined && headers['content-type'] === undefined) {
      throw invalidBatch(`Batch request '${id}' has a body but no Content-Type header.`);
    }
    const dependsOn = Array.isArray(item['dependsOn'])
      ? item['dependsOn'].filter((dep): dep is string => typeof dep === 'string')
      : [];
    return { id, method: method.toUpperCase(), url, headers, body: item['body'], dependsOn };
  });
  for (const item of items) {
    for (const dependency of item.dependsOn) {
      if (!seen.has(dependency.toLowerCase()) || dependency.toLowerCase() === item.id.toLowerCase()) {
        throw invalidBatch(`Batch request '${item.id}' depends on unknown request id '${dependency}'.`);
      }
    }
  }
  return items;
}

function bodyBuffer(item: BatchItem): Buffer {
  if (item.body === undefined) return Buffer.alloc(0);
  const contentType = item.headers['content-type'] ?? '';
  if (typeof item.body === 'string') {
    // Non-JSON bodies travel as base64 (docs/graph-notes.md §5).
    return /json|^text\//i.test(contentType)
      ? Buffer.from(item.body, 'utf8')
      : Buffer.from(item.body, 'base64');
  }
  return Buffer.from(JSON.stringify(item.body), 'utf8');
}

/**
 * JSON bodies stay JSON, text stays text, anything else (photos) becomes base64 (docs/graph-notes.md §4, §5).
 */
function toItemResponse(id: string, response: EmulatorResponse): BatchItemResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    const cased = HEADER_CASE[name.toLowerCase()];
    if (cased) headers[cased] = value;
  }
  const result: BatchItemResponse = { id, status: response.status, headers };
  if (response.body === undefined || response.body.length === 0) return result;
  const contentType = response.headers['content-type'] ?? '';
  const bytes = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
  if (/json/i.test(contentType)) result.body = JSON.parse(bytes.toString('utf8')) as unknown;
  else if (/^text\//i.test(contentType)) result.body = bytes.toString('utf8');
  else result.body = bytes.toString('base64');
  return result;
}

function failedDependency(id: string): BatchItemResponse {
  return {
    id,
    status: 424,
    headers: { 'Content-Type': 'application/json' },
    body: {
      error: {
        code: 'FailedDependency',
        message: 'The request was not executed because a request it depends on failed.',
      },
    },
  };
}

async function execute(
  context: EmulatorContext,
  request: EmulatorRequest,
  item: BatchItem,
): Promise<BatchItemResponse> {
  if (/^https?:/i.test(item.url)) {
    return toItemResponse(
      item.id,
      new GraphError(400, 'BadRequest', 'Invalid request URL: the URL must be relative.').toResponse(
        request,
        context.clock.now(),
      ),
    );
  }
  const relative = item.url.startsWith('/') ? item.url : `/${item.url}`;
  const headers: Record<string, string> = { ...item.headers };
  // Items inherit the outer request's credentials.
  const authorization = request.headers['authorization'];
  if (authorization !== undefined && headers['authorization'] === undefined)
    headers['authorization'] = authorization;
  if (request.clientRequestId !== undefined) headers['client-request-id'] ??= request.clientRequestId;
  const response = await context.dispatchInner({
    method: item.method,
    url: `/v1.0${relative}`,
    headers,
    body: bodyBuffer(item),
  });
  return toItemResponse(item.id, response);
}

async function batch(context: EmulatorContext, request: EmulatorRequest): Promise<EmulatorResponse> {
  // Graph authenticates the batch itself: no or a bad bearer token is one 401 for the whole batch, not 20
  // per-item 401s. Items still check their own permissions.
  context.graphAuth.authenticate(request);
  let raw: unknown;
  try {
    raw = readJson(request);
  } catch {
    throw invalidBatch('Invalid batch payload format.');
  }
  const items = parseItems(raw);
  const results = new Map<string, BatchItemResponse>();
  const pending = [...items];
  const outlook = new ConcurrencyGate(OUTLOOK_BATCH_PARALLELISM);
  // Items whose dependencies are done run together; a failed dependency yields 424 for its dependents.
  while (pending.length > 0) {
    const ready = pending.filter((item) => item.dependsOn.every((dep) => results.has(dep.toLowerCase())));
    if (ready.length === 0) throw invalidBatch('Batch request dependencies contain a cycle.');
    const executed = await Promise.all(
      ready.map((item) => {
        const failed = item.dependsOn.some((dep) => (results.get(dep.toLowerCase())?.status ?? 500) >= 400);
        if (failed) return Promise.resolve(failedDependency(item.id));
        return OUTLOOK_ITEM.test(item.url)
          ? outlook.run(() => execute(context, request, item))
          : execute(context, request, item);
      }),
    );
    for (const result of executed) results.set(result.id.toLowerCase(), result);
    for (const item of ready) pending.splice(pending.indexOf(item), 1);
  }
  return odataResponse(200, { responses: items.map((item) => results.get(item.id.toLowerCase())) });
}

export const batchRoutes: RouteFamily = (context) => [
  {
    method: 'POST',
    path: '/v1.0/$batch',
    kind: 'graph',
    throttleExempt: true,
    handler: (request) => batch(context, request),
  },
];
