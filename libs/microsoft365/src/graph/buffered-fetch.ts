import { isAscii } from 'node:buffer';
import { STATUS_CODES } from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { type Dispatcher, Headers, type RequestInit, Response, fetch } from 'undici';

/** Statuses whose response has no body (the Fetch standard's "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** What `fetch` asks a server for, and decompresses (https://fetch.spec.whatwg.org/#http-network-or-cache-fetch). */
const ACCEPT_ENCODING = 'gzip, deflate, br';

const DECODERS: Record<string, (bytes: Uint8Array) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

/**
 * `fetch` for the module's traffic to Microsoft, answered with an undici `Response` as callers already read it
 * (status, headers, `json()`, `text()`, `clone()`; see {@link BufferedResponse}), but sent with undici's `request`
 * and the body read whole before the `Response` is made. undici's `fetch` builds a WHATWG `Request`, an abort
 * controller and a body stream fed chunk by chunk per request: measured against a local HTTPS server, 0.4 ms of CPU
 * a request against 0.2 ms this way (client and server; the `Response` gets the whole body as one chunk, see
 * {@link oneChunkStream}), which request-heavy work (a contact run's thousands of delta requests, a sign-in's code
 * redemption) spends on the PBX's own CPUs. Every Microsoft answer we read is read whole anyway (JSON, a photo, an
 * error body).
 *
 * `withRedirects` is the pool composed with `interceptors.redirect`, which follows redirects as `fetch` does; an
 * answer is decompressed here (gzip, deflate, br: what `fetch` asks for), not by undici's decompress interceptor,
 * which warns that it is experimental. Failures look like `fetch`'s: an abort rejects with the signal's reason
 * (`TimeoutError` for `AbortSignal.timeout`), anything else with `TypeError('fetch failed')` whose `cause` is the
 * socket's error, so the error parser and the retry policy see the same codes (ECONNRESET, UND_ERR_CONNECT_TIMEOUT,
 * ...). A body `request` cannot send as is (a stream, a form) goes through undici's `fetch` on the bare pool.
 */
export async function bufferedFetch(
  dispatchers: { pool: Dispatcher; withRedirects: Dispatcher },
  url: string | URL,
  init: RequestInit = {},
): Promise<Response> {
  const body = init.body ?? null;
  if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    // `fetch` follows redirects itself: the bare pool.
    return fetch(url, { ...init, dispatcher: dispatchers.pool });
  }
  const dispatcher = dispatchers.withRedirects;
  const signal = init.signal ?? undefined;
  const target = new URL(url);
  const headers = new Headers(init.headers);
  if (!headers.has('accept-encoding')) headers.set('accept-encoding', ACCEPT_ENCODING);
  if (typeof body === 'string' && !headers.has('content-type')) {
    headers.set('content-type', 'text/plain;charset=UTF-8');
  }
  try {
    const answer = await dispatcher.request({
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      method: (init.method ?? 'GET').toUpperCase(),
      headers: Object.fromEntries(headers),
      body,
      signal,
    });
    const bytes = await decoded(await answer.body.bytes(), answer.headers['content-encoding']);
    const status = answer.statusCode;
    return new BufferedResponse(NULL_BODY_STATUSES.has(status) ? null : oneChunkStream(bytes), {
      status,
      statusText: STATUS_CODES[status] ?? '',
      headers: responseHeaders(answer.headers),
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new TypeError('fetch failed', { cause: error });
  }
}

/**
 * undici's `Response`, whose `text()` and `json()` read the body without its two copies: undici's collect the
 * stream's chunks into a new buffer (a copy, even of one chunk) and decode it with a `TextDecoder`; here the one
 * chunk {@link oneChunkStream} gives is taken as it is, and an ASCII body (a `$batch` answer of base64 photos, most
 * Graph JSON) is decoded as Latin-1, the same text for ASCII and a plain copy. Measured for a 1 MB `$batch` answer
 * of photos, parsed and its photos decoded: 1.7 → 1.1 ms of CPU and one 1 MB buffer less; a small answer costs about
 * the same (15 → 17 µs). The body is still read as a stream, so `bodyUsed`, a second read (rejected) and a
 * `clone()` behave as in fetch.
 */
class BufferedResponse extends Response {
  // undici types the body mixin's methods as properties: overridden as such, the inherited one called by name.
  override readonly text = async (): Promise<string> => {
    if (this.body === null || this.bodyUsed) return Response.prototype.text.call(this);
    const reader = (this.body as ReadableStream<Uint8Array>).getReader();
    const chunks: Uint8Array[] = [];
    for (let read = await reader.read(); !read.done; read = await reader.read()) chunks.push(read.value);
    reader.releaseLock();
    return utf8Text(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks));
  };

  override readonly json = async (): Promise<unknown> => JSON.parse(await this.text()) as unknown;
}

/** UTF-8 decoded as the Fetch standard decodes a body (a leading byte order mark dropped, bad bytes as U+FFFD). */
function utf8Text(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isAscii(buffer)) return buffer.toString('latin1');
  const start = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  return buffer.toString('utf8', start);
}

/**
 * The bytes as a stream of one chunk, which `Response` takes as it is: given the bytes themselves, it copies them
 * first (the Fetch standard's "get a copy of the bytes held by the buffer source"). Measured with undici's
 * `Response` and its own `json()`: 2.6 → 1.4–1.8 ms for a 1 MB `$batch` answer of photos, and faster for small
 * answers too (26 → 12 µs at 2 KB); {@link BufferedResponse} then reads that chunk without copying it again.
 */
function oneChunkStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      if (bytes.length > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** The body as sent, decoded by its `Content-Encoding` when that is one we asked for. */
async function decoded(bytes: Uint8Array, encoding: string | string[] | undefined): Promise<Uint8Array> {
  const decode = typeof encoding === 'string' ? DECODERS[encoding.trim().toLowerCase()] : undefined;
  return decode && bytes.length > 0 ? decode(bytes) : bytes;
}

function responseHeaders(raw: Record<string, string | string[] | undefined>): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const one of value) pairs.push([name, one]);
    else pairs.push([name, value]);
  }
  return pairs;
}
