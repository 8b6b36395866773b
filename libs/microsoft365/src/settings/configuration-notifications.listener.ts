import { EntityManager } from '@mikro-orm/postgresql';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client, type Notification } from 'pg';
import { ConfigurationChanges } from './configuration-changes.service';

/** The channel the migration's trigger notifies on every write to the cached tables, with the tenant's id. */
export const CONFIGURATION_CHANNEL = 'microsoft365_config';
/** The payload of a TRUNCATE: no tenant named, every cache is emptied. */
const EVERY_TENANT = '*';
/** Reconnecting after a drop: the first try after a second, doubling up to half a minute. */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;
/** How long the connection's own probe may take to come back before notifications are taken as not arriving. */
const PROBE_TIMEOUT_MS = 5_000;
/** Payloads of probes: never a tenant id (ids are UUIDs or `system`). */
const PROBE_PREFIX = 'probe:';

/**
 * One connection per instance that LISTENs to the configuration changes of every instance sharing the database
 * (PostgreSQL LISTEN/NOTIFY: https://www.postgresql.org/docs/current/sql-listen.html). The notification comes from
 * a trigger in the writing transaction (migration 20261206093000), so it arrives only for committed writes. The
 * connection is the host's database, as MikroORM reaches it (TLS included), outside MikroORM's pool: a listening
 * connection must stay the same session, and a pooled one would be handed to other queries.
 */
@Injectable()
export class ConfigurationNotificationsListener implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ConfigurationNotificationsListener.name);
  private client: Client | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs = FIRST_RETRY_MS;
  private stopping = false;
  private readonly probes = new Map<string, () => void>();

  constructor(
    private readonly em: EntityManager,
    private readonly changes: ConfigurationChanges,
  ) {}

  /** Listening before the instance serves, so that no change made from then on is missed. */
  async onApplicationBootstrap(): Promise<void> {
    await this.connect();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    this.changes.setListening(false);
    if (client) await client.end();
  }

  private async connect(): Promise<void> {
    this.retryTimer = null;
    if (this.stopping) return;
    const client = this.newClient();
    client.on('notification', (message) => this.received(message));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, undefined));
    try {
      await client.connect();
      await client.query(`LISTEN ${CONFIGURATION_CHANNEL}`);
      await this.probe(client);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.stopping) {
      await client.end();
      return;
    }
    this.client = client;
    this.retryMs = FIRST_RETRY_MS;
    this.changes.setListening(true);
  }

  private newClient(): Client {
    const connection = this.em.getConnection().getConnectionOptions();
    // TLS as the host configured it for MikroORM (`driverOptions.connection.ssl`), as for pg-boss (jobs/job-queue.ts).
    const driverOptions: { connection?: { ssl?: unknown } } | undefined = this.em.config.get('driverOptions');
    return new Client({
      ...(driverOptions?.connection?.ssl !== undefined
        ? { ssl: driverOptions.connection.ssl as boolean | object }
        : {}),
      host: connection.host,
      port: connection.port,
      user: connection.user,
      password: connection.password as string | undefined,
      database: connection.database,
      application_name: 'microsoft365-config-listener',
      // A connection that died without a FIN is found by TCP keepalive; until then the caches' TTL bounds staleness.
      keepAlive: true,
    });
  }

  /**
   * Sends itself a notification and waits for it: LISTEN succeeds through a pooler in transaction mode (PgBouncer)
   * whose notifications then never arrive, and caching on such a connection would serve stale configuration.
   */
  private async probe(client: Client): Promise<void> {
    const payload = `${PROBE_PREFIX}${randomUUID()}`;
    let timer: NodeJS.Timeout | undefined;
    const heard = new Promise<void>((resolve, reject) => {
      this.probes.set(payload, resolve);
      timer = setTimeout(
        () => reject(new Error(`its own notification did not arrive within ${PROBE_TIMEOUT_MS} ms`)),
        PROBE_TIMEOUT_MS,
      );
    });
    try {
      await client.query('select pg_notify($1, $2)', [CONFIGURATION_CHANNEL, payload]);
      await heard;
    } finally {
      clearTimeout(timer);
      this.probes.delete(payload);
    }
  }

  private received(message: Notification): void {
    if (message.channel !== CONFIGURATION_CHANNEL || !message.payload) return;
    if (message.payload.startsWith(PROBE_PREFIX)) {
      // Another instance's probe, or this one's.
      this.probes.get(message.payload)?.();
      return;
    }
    if (message.payload === EVERY_TENANT) this.changes.changedAll();
    else this.changes.changed(message.payload);
  }

  /** The connection failed or dropped: nothing cached can be trusted until listening again. */
  private lost(client: Client, error: unknown): void {
    if (this.stopping) return;
    const wasListening = this.client === client;
    if (this.client && !wasListening) return;
    this.client = null;
    this.changes.setListening(false);
    client.removeAllListeners('end');
    client.removeAllListeners('error');
    // An 'error' after the end is ignored: the client is discarded.
    client.on('error', () => undefined);
    client.end().catch((endError: unknown) => {
      this.logger.debug(`Closing a lost listening connection: ${describe(endError)}`);
    });
    if (this.retryTimer) return;
    this.logger.warn(
      `Configuration change notifications ${wasListening ? 'lost' : 'unavailable'} (${describe(error)}); ` +
        `sign-in configuration is read from the database until listening again, retry in ${this.retryMs} ms`,
    );
    this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }
}

function describe(error: unknown): string {
  if (error === undefined) return 'connection ended';
  // Duck-typed: a socket error may come from another realm than this module's `Error`.
  const { name, message, code } = (error ?? {}) as { name?: unknown; message?: unknown; code?: unknown };
  if (typeof message !== 'string') return 'unknown error';
  const kind = typeof code === 'string' ? code : typeof name === 'string' ? name : 'Error';
  return `${kind}: ${message.split('\n')[0]}`;
}
