import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';

export const DATABASE_SHUTDOWN = Symbol('DATABASE_SHUTDOWN');

/** Stops what `resolveDatabase` started (an embedded cluster), or nothing for an external server. */
export type DatabaseShutdown = () => Promise<void>;

/**
 * Stops an embedded cluster when the app shuts down, after closing the ORM's connections (the server would
 * otherwise cut them off while the pool still holds them).
 */
@Injectable()
export class DatabaseLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseLifecycle.name);

  constructor(
    private readonly orm: MikroORM,
    @Inject(DATABASE_SHUTDOWN) private readonly shutdown: DatabaseShutdown,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.orm.close();
    try {
      await this.shutdown();
    } catch (error) {
      this.logger.error(
        `Stopping the database failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
