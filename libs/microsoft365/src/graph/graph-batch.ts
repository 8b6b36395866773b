import { type Microsoft365Exception } from '../common/microsoft365.exception';
import { parseRetryAfter, toMicrosoft365Exception } from './parse-microsoft-error';

/** JSON batching takes at most 20 requests (docs/graph-notes.md §5). */
export const GRAPH_BATCH_LIMIT = 20;

export interface GraphBatchRequest {
  id: string;
  /** Relative to the version root, e.g. `/users/{id}/photo`. */
  url: string;
  headers?: Record<string, string>;
}

export interface GraphBatchResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type GraphBatchResult =
  | { id: string; ok: true; status: number; headers: Record<string, string>; body: unknown }
  | { id: string; ok: false; status: number; error: Microsoft365Exception };

/** Items Graph did not process: worth sending again after the wait it asks for. */
export function isRetryableItem(item: GraphBatchResponse): boolean {
  return item.status === 429 || item.status === 503 || item.status === 504;
}

/** The longest Retry-After among the items to retry, in milliseconds. */
export function batchRetryDelayMs(items: GraphBatchResponse[], fallbackMs: number): number {
  const seconds = items.map((item) => parseRetryAfter(headerOf(item, 'retry-after')) ?? 0);
  const longest = Math.max(0, ...seconds) * 1000;
  return longest > 0 ? longest : fallbackMs;
}

export function toBatchResult(item: GraphBatchResponse): GraphBatchResult {
  const headers = Object.fromEntries(
    Object.entries(item.headers ?? {}).map(([key, value]) => [key.toLowerCase(), value]),
  );
  if (item.status < 400) return { id: item.id, ok: true, status: item.status, headers, body: item.body };
  const error = (item.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return {
    id: item.id,
    ok: false,
    status: item.status,
    error: toMicrosoft365Exception({
      source: 'graph',
      status: item.status,
      code: error?.code,
      message: error?.message,
      requestId: headers['request-id'],
      retryAfter: headers['retry-after'],
    }),
  };
}

function headerOf(item: GraphBatchResponse, name: string): string | undefined {
  const entry = Object.entries(item.headers ?? {}).find(([key]) => key.toLowerCase() === name);
  return entry?.[1];
}
