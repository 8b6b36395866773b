import { type EntityManager } from '@mikro-orm/postgresql';
import { Logger } from '@nestjs/common';
import { createServer } from 'node:net';
import { ConfigurationChanges } from './configuration-changes.service';
import { ConfigurationNotificationsListener } from './configuration-notifications.listener';

/** A port nothing listens on: taken, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('ConfigurationNotificationsListener', () => {
  afterEach(() => jest.restoreAllMocks());

  it('starts without its database, keeps caches off, says so without secrets, and stops cleanly', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const port = await closedPort();
    const em = {
      getConnection: () => ({
        getConnectionOptions: () => ({
          host: '127.0.0.1',
          port,
          user: 'pbx',
          password: 'database-password',
          database: 'pbx',
        }),
      }),
      config: { get: () => undefined },
    } as unknown as EntityManager;
    const changes = new ConfigurationChanges();
    changes.setListening(true);
    const listener = new ConfigurationNotificationsListener(em, changes);

    await listener.onApplicationBootstrap();

    expect(changes.listening).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    const [message] = warn.mock.calls[0] as [string];
    expect(message).toMatch(
      /Configuration change notifications unavailable \(ECONNREFUSED: connect ECONNREFUSED/,
    );
    expect(message).toContain('retry in 1000 ms');
    expect(message).not.toContain('database-password');
    await listener.beforeApplicationShutdown();
    expect(changes.listening).toBe(false);
  });
});
