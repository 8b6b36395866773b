import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

/**
 * This PBX keeps its own tables in plain SQL (no entities), on the connection pool MikroORM opened for the
 * Microsoft 365 module. Going through `EntityManager.execute` is what keeps the module's "one page, one
 * transaction" promise: when the module calls a port inside its transaction, these statements join it (MikroORM
 * finds the open transaction through its async context); anywhere else each statement commits on its own.
 */
@Injectable()
export class HostDatabase {
  constructor(private readonly em: EntityManager) {}

  /** Rows of a statement with `?` placeholders. */
  query<T extends object>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.em.execute<T[]>(sql, params);
  }
}

/** Host ids are bigint identities; the module sees them as decimal strings. */
export function isNumericId(value: string | undefined | null): value is string {
  return typeof value === 'string' && /^[1-9][0-9]{0,17}$/.test(value);
}

/** A list travels as one JSON parameter, so a batch is one statement whatever its size. */
export function json(value: unknown): string {
  return JSON.stringify(value);
}
