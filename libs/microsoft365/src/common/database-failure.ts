import { DriverException } from '@mikro-orm/core';

/** SQLSTATEs of a lost or refused connection: class 08, admin/crash shutdown or not accepting yet, too many clients. */
const CONNECTION_SQLSTATE = /^(08|57P0[1-3]$|53300$)/;

/** pg and knex's pool say so in words when the socket closes under them or no connection can be had. */
const POOL_MESSAGE = /Connection terminated|Connection ended unexpectedly|Timeout acquiring a connection/;

/** The PostgreSQL error code (or "connection closed") when `error` is the database connection failing, else null. */
export function lostDatabaseConnection(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (error instanceof DriverException) {
    if (typeof code === 'string' && CONNECTION_SQLSTATE.test(code)) return `PostgreSQL ${code}`;
    if (typeof code === 'string' && /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT)$/.test(code)) return code;
  }
  return POOL_MESSAGE.test(error.message) ? 'connection closed' : null;
}

/**
 * What the log may say of an unexpected error: a database error by its class and SQLSTATE only (its message
 * carries the SQL with the bound values: profiles, delta links), anything else by name and message.
 */
export function describeUnexpected(error: unknown): string {
  if (error instanceof DriverException) {
    const code = (error as { code?: unknown }).code;
    return `${error.name} (SQLSTATE ${typeof code === 'string' ? code : '-'})`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : 'non-error thrown';
}
