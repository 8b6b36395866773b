import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { GraphConcurrency } from './graph-concurrency.service';
import { HttpTransport } from './http-transport.provider';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';

const options = { environment: 'test', publicUrl: 'https://pbx.test' } as Microsoft365ModuleOptions;

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A server whose routes answer as Graph and Entra do in the cases below; it records what it was sent. */
async function server() {
  const seen: Seen[] = [];
  const routes: Record<string, (request: IncomingMessage, response: ServerResponse, body: string) => void> = {
    '/json': (_request, response) => {
      response.setHeader('set-cookie', ['a=1', 'b=2']);
      response.writeHead(200, { 'content-type': 'application/json', 'request-id': 'r-1' });
      response.end(JSON.stringify({ value: [1, 2] }));
    },
    '/gzip': (request, response) => {
      const plain = JSON.stringify({ compressed: true });
      if (!String(request.headers['accept-encoding']).includes('gzip')) return void response.end(plain);
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      response.end(gzipSync(plain));
    },
    '/moved': (_request, response) => {
      response.writeHead(303, { location: '/echo' });
      response.end();
    },
    '/echo': (request, response, body) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ method: request.method, body }));
    },
    '/empty': (_request, response) => {
      response.writeHead(204);
      response.end();
    },
    '/throttled': (_request, response) => {
      response.writeHead(429, { 'retry-after': '3', 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'TooManyRequests' } }));
    },
    '/unicode': (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      // A byte order mark, which the Fetch standard's UTF-8 decode drops, then text that is not ASCII.
      response.end(
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"displayName":"Zoë Łukasz 山田 🙂"}')]),
      );
    },
    '/invalid-utf8': (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(Buffer.from([0x61, 0xff, 0x62]));
    },
    '/hold': () => undefined,
  };
  const http = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      (routes[(request.url ?? '').split('?')[0] ?? ''] ?? routes['/echo'])?.(request, response, body);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: (path: string) => `http://127.0.0.1:${(http.address() as AddressInfo).port}${path}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

describe('HttpTransport.fetch (buffered-fetch)', () => {
  let transport: HttpTransport;
  let target: Awaited<ReturnType<typeof server>>;

  beforeAll(async () => {
    transport = new HttpTransport(options, new GraphConcurrency(options));
    target = await server();
  });
  afterAll(async () => {
    await transport.onApplicationShutdown();
    await target.close();
  });

  it('answers a Response with the status, its reason, every header and a body that reads more than once', async () => {
    const response = await transport.fetch(target.url('/json?$top=2'));
    expect(response).toMatchObject({ status: 200, ok: true, statusText: 'OK' });
    expect(response.headers.get('request-id')).toBe('r-1');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.clone().json()).toEqual({ value: [1, 2] });
    expect(await response.text()).toBe('{"value":[1,2]}');
    expect(target.seen.at(-1)?.url).toBe('/json?$top=2');
  });

  it('reads a body once, as the Fetch standard says: bodyUsed after, a second read rejects, a clone reads its own', async () => {
    const response = await transport.fetch(target.url('/json'));
    const clone = response.clone();
    expect(response.bodyUsed).toBe(false);
    expect(await response.json()).toEqual({ value: [1, 2] });
    expect(response.bodyUsed).toBe(true);
    await expect(response.json()).rejects.toBeInstanceOf(TypeError);
    await expect(response.text()).rejects.toBeInstanceOf(TypeError);
    expect(await clone.text()).toBe('{"value":[1,2]}');
  });

  it('decodes UTF-8 as fetch does: text that is not ASCII, a byte order mark dropped, a bad byte as U+FFFD', async () => {
    const unicode = await transport.fetch(target.url('/unicode'));
    expect(await unicode.json()).toEqual({ displayName: 'Zoë Łukasz 山田 🙂' });
    const invalid = await transport.fetch(target.url('/invalid-utf8'));
    expect(await invalid.text()).toBe('a\ufffdb');
  });

  it('answers an error status as a Response, not a rejection', async () => {
    const response = await transport.fetch(target.url('/throttled'));
    expect(response).toMatchObject({ status: 429, ok: false, statusText: 'Too Many Requests' });
    expect(response.headers.get('retry-after')).toBe('3');
    expect(await response.json()).toEqual({ error: { code: 'TooManyRequests' } });
  });

  it('asks for compressed answers and decompresses them, as fetch does', async () => {
    const response = await transport.fetch(target.url('/gzip'));
    expect(target.seen.at(-1)?.headers['accept-encoding']).toContain('gzip');
    expect(await response.json()).toEqual({ compressed: true });
  });

  it('follows a redirect (303 turns a POST into a GET)', async () => {
    const response = await transport.fetch(target.url('/moved'), { method: 'POST', body: 'x' });
    expect(await response.json()).toEqual({ method: 'GET', body: '' });
  });

  it('sends a string body with the given content type, or text/plain as fetch would, and bytes as they are', async () => {
    await transport.fetch(target.url('/echo'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"a":1}',
    });
    expect(target.seen.at(-1)).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(target.seen.at(-1)?.headers['content-type']).toBe('application/json');
    await transport.fetch(target.url('/echo'), { method: 'POST', body: 'plain' });
    expect(target.seen.at(-1)?.headers['content-type']).toBe('text/plain;charset=UTF-8');
    await transport.fetch(target.url('/echo'), { method: 'PUT', body: Buffer.from([0x01, 0x02]) });
    expect(target.seen.at(-1)).toMatchObject({ method: 'PUT', body: '\u0001\u0002' });
  });

  it('answers a 204 without a body', async () => {
    const response = await transport.fetch(target.url('/empty'), { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('rejects with the signal’s reason when aborted, as fetch does (AbortSignal.timeout: TimeoutError)', async () => {
    const failure = await transport.fetch(target.url('/hold'), { signal: AbortSignal.timeout(100) }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ name: 'TimeoutError' });
  });

  it('rejects a transport failure as fetch does: TypeError("fetch failed") with the socket error as cause', async () => {
    const closed = await server();
    const url = closed.url('/json');
    await closed.close();
    const failure = await transport.fetch(url).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(TypeError);
    expect(failure).toMatchObject({ message: 'fetch failed', cause: { code: 'ECONNREFUSED' } });
  });
});
