import { type Microsoft365Exception } from '../common/microsoft365.exception';
import { toMicrosoft365Exception } from './parse-microsoft-error';

/** JSON batching takes at most 20 requests (docs/graph-notes.md §5). */
export const GRAPH_BATCH_LIMIT = 20;

export interface GraphBatchRequest {
  id: string;
  /** Relative to the version root, e.g. `/users/{id}/photo`. */
  url: string;
  headers?: Record<string, string>;
}

/**
 * A write inside a batch. Only PATCH: setting the same properties twice has the effect of setting them once, so
 * the batch and its 5xx items may be sent again like GETs (a POST item could not be).
 */
export interface GraphBatchPatch {
  id: string;
  url: string;
  body: Record<string, unknown>;
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
