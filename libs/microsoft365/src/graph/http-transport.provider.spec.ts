import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { GraphConcurrency } from './graph-concurrency.service';
import { HttpTransport } from './http-transport.provider';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';

const options = { environment: 'test', publicUrl: 'https://pbx.test' } as Microsoft365ModuleOptions;

/** A server that holds every request until told to answer, counting how many it holds at once. */
async function holdingServer() {
  const held: ServerResponse<IncomingMessage>[] = [];
  let arrived: () => void = () => undefined;
  const server = createServer((_request, response) => {
    held.push(response);
    arrived();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    held,
    /** Resolves once `count` requests are held, or after `ms` with however many arrived. */
    async waitFor(count: number, ms: number): Promise<number> {
      const deadline = Date.now() + ms;
      while (held.length < count && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          arrived = resolve;
          setTimeout(resolve, 20);
        });
      }
      return held.length;
    },
    releaseAll(): void {
      for (const response of held.splice(0)) response.end('ok');
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe(HttpTransport.name, () => {
  it('keeps four limiter ceilings of connections per host, so one tenant’s fan-out cannot hold them all', async () => {
    const concurrency = new GraphConcurrency({
      ...options,
      graphConcurrency: { floor: 1, start: 1, ceiling: 3 },
    });
    const transport = new HttpTransport(options, concurrency);
    const server = await holdingServer();
    try {
      expect(transport.connections).toBe(12);
      // One ceiling's worth in flight (a tenant's fan-out at its limit) ...
      const fanOut = Array.from({ length: 3 }, () => transport.fetch(server.url).then((r) => r.text()));
      expect(await server.waitFor(3, 5_000)).toBe(3);
      // ... and other requests still get a connection of their own at once, up to the pool's size.
      const others = Array.from({ length: 10 }, () => transport.fetch(server.url).then((r) => r.text()));
      expect(await server.waitFor(13, 1_000)).toBe(12);
      server.releaseAll();
      // The one that waited for a connection is served once one is free.
      expect(await server.waitFor(1, 5_000)).toBe(1);
      server.releaseAll();
      expect(await Promise.all([...fanOut, ...others])).toHaveLength(13);
    } finally {
      server.releaseAll();
      await transport.onApplicationShutdown();
      await server.close();
    }
  });
});
