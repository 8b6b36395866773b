/** What a route handler returns; the server (or $batch) turns it into bytes. */
export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string;
}

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * Graph answers JSON with the OData metadata parameters and `Cache-Control: no-cache` (every item of the example
 * batch response in https://learn.microsoft.com/en-us/graph/json-batching carries it, successes and errors).
 */
export function odataResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): EmulatorResponse {
  return jsonResponse(status, body, {
    'content-type':
      'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
    'odata-version': '4.0',
    'cache-control': 'no-cache',
    ...headers,
  });
}

export function textResponse(
  status: number,
  text: string,
  contentType = 'text/plain; charset=utf-8',
): EmulatorResponse {
  return { status, headers: { 'content-type': contentType }, body: text };
}

export function htmlResponse(
  status: number,
  html: string,
  headers: Record<string, string> = {},
): EmulatorResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', ...headers }, body: html };
}

export function binaryResponse(
  status: number,
  bytes: Buffer,
  contentType: string,
  headers: Record<string, string> = {},
): EmulatorResponse {
  return { status, headers: { 'content-type': contentType, ...headers }, body: bytes };
}

export function redirectResponse(location: string, headers: Record<string, string> = {}): EmulatorResponse {
  return { status: 302, headers: { location, ...headers } };
}

export function emptyResponse(status: number, headers: Record<string, string> = {}): EmulatorResponse {
  return { status, headers };
}
